import { classifyChanges } from '../../lambdas/shared/push-event/classify-changes';
import { changePathsOf } from '../../lib/contracts/pipeline-config';
import { CONFIG } from './fixtures';

const hello = CONFIG.services[0];
const docs = CONFIG.services[1];
if (hello === undefined || docs === undefined) throw new Error('test config lost a service');
const defaults = changePathsOf(hello);
const custom = changePathsOf(docs);

describe('classifyChanges', () => {
  it.each([
    [['app/src/index.ts'], true, false],
    [['terraform/modules/vpc/main.tf'], false, true],
    [['app/Dockerfile', 'terraform/environments/dev/main.tf'], true, true],
    [['state-machines/deploy.asl.json'], true, true],
    [['lib/buildspecs/test.yml'], true, true],
    [['cdk.json'], true, true],
    [['README.md', 'docs/guide.md'], false, false],
    [['app/.eslintrc'], true, false],
    [['application/x.ts'], false, false],
  ])('default globs: %j -> app=%s infra=%s', (paths, app, infra) => {
    const result = classifyChanges(paths, defaults);
    expect({ app: result.app, infra: result.infra }).toEqual({ app, infra });
    expect(result.paths).toEqual(paths);
  });

  it('uses the service own globs', () => {
    expect(classifyChanges(['docs/index.md'], custom)).toMatchObject({ app: true, infra: false });
    expect(classifyChanges(['docs-infra/dev/main.tf'], custom)).toMatchObject({ app: false, infra: true });
    expect(classifyChanges(['app/src/index.ts'], custom)).toMatchObject({ app: false, infra: false });
  });

  it('treats unknown paths as everything changed', () => {
    expect(classifyChanges(null, defaults)).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
  });

  it('keeps every path however long the list: whether it fits an execution input is decided on the whole input, in bytes', () => {
    const many = Array.from({ length: 2900 }, (_, i) => `app/src/generated/very/deep/folder/structure/module-${i}.ts`);
    expect(classifyChanges(many, defaults)).toEqual({ app: true, infra: false, paths: many, source: 'payload' });
  });
});
