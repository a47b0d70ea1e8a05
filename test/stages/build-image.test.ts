import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStageOutputs } from '../../lib/contracts/stage-outputs';
import { readBuildspec, recordingStub, runBuildspec } from '../infra/run-buildspec';
import { COMMIT } from './stub-tools';

const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample-service-dev';
const NOT_FOUND =
  'echo "An error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name \'sample-service-dev\' does not exist" >&2; exit 254';

/** The build-image buildspec's build phase on a first push (no repository), aws and docker as recording stubs. */
function firstPush(onMissing: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'build-image-stage-'));
  mkdirSync(join(cwd, 'app'));
  writeFileSync(join(cwd, 'app', 'Dockerfile'), 'FROM node:22\n');
  const log = join(cwd, 'calls.log');
  const run = runBuildspec('build-image', ['build'], {
    cwd,
    stubs: { aws: recordingStub(NOT_FOUND), docker: recordingStub('exit 1') },
    env: {
      STUB_LOG: log,
      ...readBuildspec('build-image').env?.variables,
      ECR_REPOSITORY_URI: URI,
      COMMIT,
      APP_PATH: 'app',
      AWS_REGION: 'eu-west-1',
      ON_MISSING_REPOSITORY: onMissing,
    },
  });
  return run;
}

describe('build-image buildspec on a first push: RepositoryNotFoundException', () => {
  test('defer: the build succeeds exporting IMAGE_DEFERRED=true alone, which the contract accepts', () => {
    const run = firstPush('defer');
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.exported).toEqual({ IMAGE_DEFERRED: 'true' });
    expect(parseStageOutputs('BuildImage', run.exported)).toEqual({ IMAGE_DEFERRED: 'true' });
  });

  test('fail: the build fails, naming the repository and who creates it, and exports nothing', () => {
    const run = firstPush('fail');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "ECR repository sample-service-dev does not exist: the environment's Terraform creates it (module ecr); apply it first",
    );
    expect(run.exported).toEqual({});
  });

  test('the contract refuses IMAGE_DEFERRED beside an image, and an image URI by tag', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(() =>
      parseStageOutputs('BuildImage', { IMAGE_DEFERRED: 'true', IMAGE_URI: `${URI}@${digest}`, IMAGE_DIGEST: digest }),
    ).toThrow('IMAGE_DEFERRED comes alone');
    expect(() => parseStageOutputs('BuildImage', { IMAGE_URI: `${URI}:${COMMIT}`, IMAGE_DIGEST: digest })).toThrow(
      'must be <repository>@sha256:<64 hex digits>',
    );
    expect(() => parseStageOutputs('BuildImage', {})).toThrow('is required unless IMAGE_DEFERRED is "true"');
  });
});
