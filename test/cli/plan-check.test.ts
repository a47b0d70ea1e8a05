import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROTECTED_TYPES } from '../../lib/contracts/plan-guard-policy';
import { cliEnv, deployctl, oneLine, REPO_ROOT } from './support/run-deployctl';

// Real `terraform show -json` plans (test/plan-guard/fixtures/generate-fixtures.ts) and the counts Terraform printed.
const CREATE = join(REPO_ROOT, 'test', 'plan-guard', 'fixtures', 'aws-create.plan.json'); // Plan: 2 to add, 0 to change, 0 to destroy.
const DB_REPLACE = join(REPO_ROOT, 'test', 'plan-guard', 'fixtures', 'aws-db-replace.plan.json'); // Plan: 1 to add, 0 to change, 2 to destroy.
const DEPOSED_BOM = join(REPO_ROOT, 'test', 'fixtures', 'regressions', 'plan_deposed_utf8_bom.json');

describe("deployctl plan-check: PlanGuard's policy on a local plan", () => {
  const env = cliEnv();
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-check-'));
  });

  it("exit 0 for a plan that deletes nothing protected, with Terraform's counts", async () => {
    const out = await deployctl(['plan-check', CREATE, '--env', 'prod'], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(`${CREATE} (environment prod): 2 to add, 0 to change, 0 to destroy\nPASS\n`);
  });

  it('exit 1 for a plan that replaces a protected resource, naming it', async () => {
    const out = await deployctl(['plan-check', DB_REPLACE], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      [
        `${DB_REPLACE}: BLOCKED: the plan would delete or replace 2 protected resource(s):`,
        '  aws_db_instance.main (delete, create)',
        '  aws_s3_bucket.assets (delete)',
        `Protected types: ${[...DEFAULT_PROTECTED_TYPES].sort().join(', ')}`,
        '',
      ].join('\n'),
    );
  });

  it('--json prints exactly passed, environment, add, change, destroy, replace, summary, protectedTypes, blocked', async () => {
    const pass = JSON.parse((await deployctl(['plan-check', CREATE, '--json'], env)).stdout);
    expect(pass).toEqual({
      passed: true,
      environment: null,
      add: 2,
      change: 0,
      destroy: 0,
      replace: 0,
      summary: '2 to add, 0 to change, 0 to destroy',
      protectedTypes: [...DEFAULT_PROTECTED_TYPES].sort(),
      blocked: [],
    });
    const blocked = await deployctl(['plan-check', DB_REPLACE, '--json', '--env', 'dev'], env);
    expect(blocked.code).toBe(1);
    const json = JSON.parse(blocked.stdout);
    expect(Object.keys(json)).toEqual(Object.keys(pass));
    expect(json).toMatchObject({ passed: false, environment: 'dev', add: null, summary: null });
    expect(json.blocked).toEqual([
      { address: 'aws_db_instance.main', type: 'aws_db_instance', actions: ['delete', 'create'] },
      { address: 'aws_s3_bucket.assets', type: 'aws_s3_bucket', actions: ['delete'] },
    ]);
  });

  it('reads a plan saved with a byte-order mark as the guard does, counting a deposed destroy as Terraform does', async () => {
    const out = await deployctl(['plan-check', DEPOSED_BOM], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(`${DEPOSED_BOM}: 0 to add, 0 to change, 1 to destroy\nPASS\n`);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), /^deployctl: plan file not found: .*nope\.json$/],
    [
      'not JSON',
      () => file('text.json', 'Plan: 1 to add'),
      /^deployctl: Plan JSON at .*text\.json is not valid JSON: /,
    ],
    [
      'state JSON, not a plan',
      () => file('state.json', '{"format_version":"1.0","values":{}}'),
      /is not 'terraform show -json' output of a plan: planned_values: missing/,
    ],
    ['UTF-16 without a byte-order mark', () => file('utf16.json', Buffer.from('{"a":1}', 'utf16le')), /UTF-16/],
  ])('exit 2 for %s, one line, nothing on stdout', async (_what, make, message) => {
    const out = await deployctl(['plan-check', make()], env);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(oneLine(out.stderr)).toMatch(message);
  });

  it('--env must be an environment of the configuration', async () => {
    const out = await deployctl(['plan-check', CREATE, '--env', 'qa'], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toBe('deployctl: unknown environment "qa" (configured: dev, prod)');
  });
});
