import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { loadConfig } from '../../lib/config/load-config';
import { runSettingsFor } from '../../lib/run-settings';
import { synthApp } from '../infra/synth-app';
import { TERRAFORM_DIR } from './terraform-workspace';

/** Placeholders the docs write for the pipeline stack's account and region. */
const ACCOUNT = '<account>';
const REGION = '<region>';
const REPO = join(TERRAFORM_DIR, '..');
/** Documents that show how to init an environment's state by hand, relative to the repository. */
const DOCS = ['terraform/README.md', 'docs/operations.md'];

/** One `terraform ... init -backend-config=...` command of a document, continuation lines joined. */
interface InitCommand {
  readonly doc: string;
  readonly root?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly region?: string;
}

function initCommands(doc: string): InitCommand[] {
  const text = readFileSync(join(REPO, doc), 'utf8').replace(/\\\n\s*/g, ' ');
  return text
    .split('\n')
    .filter((line) => /\bterraform\b.*\binit\b.*-backend-config/.test(line))
    .map((line) => {
      const option = (name: string) => line.match(new RegExp(`-backend-config="?${name}=([^"\\s]+)`))?.[1];
      return {
        doc,
        root: line.match(/-chdir=(\S+)/)?.[1],
        bucket: option('bucket'),
        key: option('key'),
        region: option('region'),
      };
    });
}

/** Renders a CloudFormation value built from the account and region pseudo parameters with the docs' placeholders. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  if (ref === 'AWS::AccountId') return ACCOUNT;
  if (ref === 'AWS::Region') return REGION;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(render).join(join[0]);
  throw new Error(`cannot render ${JSON.stringify(value)}: only strings, Fn::Join and the account and region refs`);
}

describe('Terraform state location: docs and bootstrap match the pipeline stages', () => {
  const config = loadConfig();
  const context = {
    account: ACCOUNT,
    region: REGION,
    urlSuffix: 'amazonaws.com',
    deployProject: '',
    rollbackProject: '',
    scanType: config.scanType,
  };
  /** State key each configured environment's TerraformPlan/Apply uses, keyed by its Terraform directory. */
  const stageKeys = new Map(
    config.services.flatMap((service) =>
      service.environments.map((env) => [env.terraformDir, runSettingsFor(service, env, context).terraformStateKey]),
    ),
  );
  const [firstService] = config.services;
  const [firstEnv] = firstService?.environments ?? [];
  if (!firstService || !firstEnv) throw new Error('the default configuration has no service with an environment');
  /** The key pattern the docs write, `<service>/<environment>/infra.tfstate`, rendered by the same function. */
  const keyPattern = runSettingsFor(
    { ...firstService, name: '<service>' },
    { ...firstEnv, name: '<environment>' },
    context,
  ).terraformStateKey;
  let stageBuckets: string[];

  beforeAll(() => {
    // The synth (with cdk-nag and bundling) took 8-19 s on the loaded 2-core machine; the timeout is 6x the slowest.
    const { template } = synthApp();
    stageBuckets = Object.values(template.findResources('AWS::CodeBuild::Project')).flatMap((project) => {
      const variables = (project.Properties?.Environment?.EnvironmentVariables ?? []) as Array<{
        Name: string;
        Value: unknown;
      }>;
      return variables.filter((v) => v.Name === 'TF_STATE_BUCKET').map((v) => render(v.Value));
    });
  }, 120_000);

  it('the TerraformPlan and TerraformApply builds use one bucket per account and region', () => {
    expect(stageBuckets).toHaveLength(2);
    expect(new Set(stageBuckets)).toEqual(new Set([`${ACCOUNT}-${REGION}-terraform-state`]));
  });

  it('the stages keep each environment under <service>/<environment>/infra.tfstate', () => {
    expect(keyPattern).toBe('<service>/<environment>/infra.tfstate');
    expect(stageKeys.get('terraform/environments/dev')).toBe('sample-service/dev/infra.tfstate');
  });

  it.each(DOCS)('%s inits the environments with the stages’ bucket, key and region', (doc) => {
    const commands = initCommands(doc);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect({ ...command, bucket: command.bucket }).toEqual({ ...command, bucket: stageBuckets[0] });
      if (command.region !== undefined)
        expect({ ...command, region: command.region }).toEqual({ ...command, region: REGION });
      const isEnvironment = command.root === undefined || command.root.startsWith('terraform/environments/');
      if (!isEnvironment) continue;
      // A root the default configuration deploys gets exactly its stage key; otherwise the docs' pattern.
      const expected = (command.root && stageKeys.get(command.root)) ?? keyPattern;
      expect({ ...command, key: command.key }).toEqual({ ...command, key: expected });
    }
  });

  it('terraform/README.md shows an environment init with a concrete stage key and lists the key pattern', () => {
    const readme = readFileSync(join(TERRAFORM_DIR, 'README.md'), 'utf8');
    const environmentInits = initCommands('terraform/README.md').filter((c) =>
      c.root?.startsWith('terraform/environments/'),
    );
    expect(environmentInits.length).toBeGreaterThan(0);
    expect(readme).toContain(`| \`environments/<environment>\` | \`${keyPattern}\``);
    // The old, never-used locations must not come back.
    expect(readme).not.toMatch(/environments\/[a-z<>]+\/terraform\.tfstate/);
  });

  it('the bootstrap creates the stages’ bucket unless told otherwise', async () => {
    const path = join(TERRAFORM_DIR, 'bootstrap', 'main.tf');
    const hcl = (await parse(path, readFileSync(path, 'utf8'))) as { locals?: Array<{ bucket_name?: string }> };
    const expression = hcl.locals?.find((l) => l.bucket_name !== undefined)?.bucket_name;
    const fallback = expression?.match(/coalesce\(var\.bucket_name, "(.+)"\)/)?.[1];
    const interpolation = (expression: string) => ['$', '{', expression, '}'].join('');
    const rendered = fallback
      ?.replace(interpolation('data.aws_caller_identity.current.account_id'), ACCOUNT)
      .replace(interpolation('data.aws_region.current.name'), REGION);
    expect(rendered).toBe(stageBuckets[0]);
  });
});
