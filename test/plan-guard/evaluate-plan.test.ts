import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DestructiveChangeBlocked, PlanUnreadable } from '../../lambdas/plan-guard/errors';
import { evaluatePlan, isReplacement } from '../../lambdas/plan-guard/evaluate-plan';
import { parsePlan } from '../../lambdas/plan-guard/parse-plan';
import { DEFAULT_PROTECTED_TYPES, resolveProtectedTypes } from '../../lambdas/plan-guard/protected-types';
import { decodeText } from '../../lib/contracts/decode-text';
import { describeWithTools } from '../support/real-tool';
import { countsFromPlanText, TerraformPlanWorkdir } from './terraform-plan-workdir';

const FIXTURES = join(__dirname, 'fixtures');

/** A committed plan made by fixtures/generate-fixtures.ts, with the counts Terraform printed for it. */
function fixture(name: string) {
  return {
    plan: parsePlan(readFileSync(join(FIXTURES, `${name}.plan.json`), 'utf8'), name),
    counts: countsFromPlanText(readFileSync(join(FIXTURES, `${name}.plan.txt`), 'utf8')),
  };
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('PlanGuard on committed AWS plans (real terraform plan output, see fixtures/generate-fixtures.ts)', () => {
  const defaults = { protectedTypes: DEFAULT_PROTECTED_TYPES };

  it('lets a create-only plan through and counts it as Terraform did', () => {
    const { plan, counts } = fixture('aws-create');
    const result = evaluatePlan(plan, defaults);
    expect({ add: result.add, change: result.change, destroy: result.destroy }).toEqual(counts);
    expect(result.summary).toBe(`${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy`);
    expect(result.replace).toBe(0);
    expect(result.protectedChanges).toEqual([]);
  });

  it('blocks replacing the database and deleting the bucket, naming both with their actions', () => {
    const { plan } = fixture('aws-db-replace');
    const error = caught(() => evaluatePlan(plan, defaults));
    expect(error).toBeInstanceOf(DestructiveChangeBlocked);
    expect(error.name).toBe('DestructiveChangeBlocked');
    expect(error.message).toContain('aws_db_instance.main (delete, create)');
    expect(error.message).toContain('aws_s3_bucket.assets (delete)');
    expect((error as DestructiveChangeBlocked).changes.map((c) => c.type).sort()).toEqual([
      'aws_db_instance',
      'aws_s3_bucket',
    ]);
  });

  it('lets the same plan through when destructive changes are approved, reporting them', () => {
    const { plan, counts } = fixture('aws-db-replace');
    const result = evaluatePlan(plan, { ...defaults, destructiveApproved: true });
    expect({ add: result.add, change: result.change, destroy: result.destroy }).toEqual(counts);
    expect(result.replace).toBe(1);
    expect(result.protectedChanges).toEqual([
      { address: 'aws_db_instance.main', type: 'aws_db_instance', actions: ['delete', 'create'] },
      { address: 'aws_s3_bucket.assets', type: 'aws_s3_bucket', actions: ['delete'] },
    ]);
  });

  it('with approveDestructive returns the blocked plan for approval instead of failing, naming what is approved', () => {
    const { plan } = fixture('aws-db-replace');
    const result = evaluatePlan(plan, { protectedTypes: DEFAULT_PROTECTED_TYPES, approveDestructive: true });
    expect(result.requiresApproval).toBe(true);
    expect(result.blocked).toBe('aws_db_instance.main (delete, create); aws_s3_bucket.assets (delete)');
    // A plan that touches nothing protected needs no approval, with or without the setting.
    const { plan: safe } = fixture('aws-db-replace');
    const unprotected = evaluatePlan(safe, { protectedTypes: ['aws_eks_cluster'], approveDestructive: true });
    expect(unprotected.requiresApproval).toBeUndefined();
    expect(unprotected.blocked).toBeUndefined();
  });

  it('does not block destructive changes of unprotected types', () => {
    const { plan } = fixture('aws-db-replace');
    expect(evaluatePlan(plan, { protectedTypes: ['aws_eks_cluster'] }).protectedChanges).toEqual([]);
  });
});

describe('the deposed-object regression plan (terraform 1.11.4, saved with a UTF-8 byte-order mark)', () => {
  const bytes = readFileSync(join(__dirname, '..', 'fixtures', 'regressions', 'plan_deposed_utf8_bom.json'));
  const plan = parsePlan(decodeText(bytes), 'plan_deposed_utf8_bom.json');

  it('counts the deposed destroy as Terraform does (Plan: 0 to add, 0 to change, 1 to destroy)', () => {
    expect(evaluatePlan(plan, { protectedTypes: DEFAULT_PROTECTED_TYPES }).summary).toBe(
      '0 to add, 0 to change, 1 to destroy',
    );
  });

  it('names the deposed object, not the live resource, when it is blocked and when it is approved', () => {
    const protect = { protectedTypes: ['terraform_data'] };
    const error = caught(() => evaluatePlan(plan, protect)) as DestructiveChangeBlocked;
    expect(error.message).toBe(
      'Plan would delete or replace 1 protected resource(s): deposed object 0a1b2c3d of terraform_data.db (delete). If this is intended, set approveDestructive: true on the environment (such plans then wait for deployctl approve) or change the plan.',
    );
    expect(error.changes).toEqual([
      { address: 'terraform_data.db', type: 'terraform_data', actions: ['delete'], deposed: '0a1b2c3d' },
    ]);
    expect(evaluatePlan(plan, { ...protect, destructiveApproved: true }).protectedChanges).toEqual(error.changes);
  });

  it('the file as it is cannot be read by JSON.parse: the byte-order mark has to go through decodeText', () => {
    expect(() => parsePlan(bytes.toString('utf8'), 'raw')).toThrow(/not valid JSON/);
  });
});

describe('protected types', () => {
  it('defaults to the data-bearing and cluster-wide AWS types', () => {
    expect(resolveProtectedTypes(undefined)).toEqual([
      'aws_db_instance',
      'aws_eks_cluster',
      'aws_kms_key',
      'aws_rds_cluster',
      'aws_s3_bucket',
    ]);
  });

  it('PROTECTED_RESOURCE_TYPES replaces the defaults; the event can only add', () => {
    expect(resolveProtectedTypes(' aws_eks_cluster, ,aws_kms_key ')).toEqual(['aws_eks_cluster', 'aws_kms_key']);
    expect(resolveProtectedTypes('aws_eks_cluster', ['aws_db_instance', 'aws_eks_cluster'])).toEqual([
      'aws_db_instance',
      'aws_eks_cluster',
    ]);
    expect(resolveProtectedTypes('', ['terraform_data'])).toContain('aws_db_instance');
  });

  it('treats both replacement orders as replacements and nothing else', () => {
    expect(isReplacement(['delete', 'create'])).toBe(true);
    expect(isReplacement(['create', 'delete'])).toBe(true);
    expect(isReplacement(['delete'])).toBe(false);
    expect(isReplacement(['update'])).toBe(false);
  });
});

describe('unreadable plans', () => {
  it.each([
    ['not JSON', '{"format_version":', /is not valid JSON/],
    ['an empty object', '{}', /format_version.*planned_values|planned_values.*format_version/s],
    ['state JSON instead of a plan', '{"format_version":"1.0","values":{}}', /planned_values: missing/],
    [
      'a resource change without actions',
      '{"format_version":"1.2","planned_values":{},"resource_changes":[{"address":"a.b","type":"a","change":{}}]}',
      /resource_changes\.0\.change\.actions/,
    ],
    [
      'an unknown action',
      '{"format_version":"1.2","planned_values":{},"resource_changes":[{"address":"a.b","type":"a","change":{"actions":["destroy"]}}]}',
      /resource_changes\.0\.change\.actions\.0/,
    ],
    ['a future format', '{"format_version":"2.0","planned_values":{}}', /format_version 2\.0/],
    ['an errored plan', '{"format_version":"1.2","planned_values":{},"errored":true}', /errored/],
  ])('rejects %s with PlanUnreadable', (_, text, message) => {
    const error = caught(() => parsePlan(text, 's3://bucket/runs/x/plan.json'));
    expect(error).toBeInstanceOf(PlanUnreadable);
    expect(error.name).toBe('PlanUnreadable');
    expect(error.message).toContain('s3://bucket/runs/x/plan.json');
    expect(error.message).toMatch(message);
  });
});

describeWithTools(['terraform'], 'PlanGuard on real terraform_data plans made here', () => {
  // terraform_data is built into Terraform: real create, update, replace and delete plans, offline.
  const protect = { protectedTypes: ['terraform_data'] };
  let work: TerraformPlanWorkdir;

  const config = (db: string, cache: string | null, extra = '') =>
    [
      `resource "terraform_data" "db" {\n  triggers_replace = "${db}"\n${extra}}\n`,
      cache === null ? '' : `resource "terraform_data" "cache" {\n  input = "${cache}"\n}\n`,
    ].join('\n');

  beforeAll(() => {
    work = new TerraformPlanWorkdir();
    work.write('main.tf', config('v1', 'a'));
    work.terraform(['init', '-input=false', '-no-color']);
  });

  afterAll(() => work?.dispose());

  it('a create-only plan of protected types passes with Terraform counts', () => {
    const { json, counts } = work.plan();
    const result = evaluatePlan(parsePlan(json, 'create'), protect);
    expect(counts).toEqual({ add: 2, change: 0, destroy: 0 });
    expect({ add: result.add, change: result.change, destroy: result.destroy }).toEqual(counts);
    expect(result.protectedChanges).toEqual([]);
    work.terraform(['apply', '-input=false', '-no-color', 'current.tfplan']);
  });

  it('an unchanged configuration counts nothing', () => {
    const { json, counts } = work.plan();
    const result = evaluatePlan(parsePlan(json, 'no-op'), protect);
    expect(counts).toEqual({ add: 0, change: 0, destroy: 0 });
    expect(result.summary).toBe('0 to add, 0 to change, 0 to destroy');
  });

  it('a replacement (delete, create) of a protected type is blocked; the update beside it is not', () => {
    work.write('main.tf', config('v2', 'b'));
    const { json, counts } = work.plan();
    const plan = parsePlan(json, 'replace');
    const error = caught(() => evaluatePlan(plan, protect));
    expect(error).toBeInstanceOf(DestructiveChangeBlocked);
    expect((error as DestructiveChangeBlocked).changes).toEqual([
      { address: 'terraform_data.db', type: 'terraform_data', actions: ['delete', 'create'] },
    ]);
    const approved = evaluatePlan(plan, { ...protect, destructiveApproved: true });
    expect({ add: approved.add, change: approved.change, destroy: approved.destroy }).toEqual(counts);
    expect(approved.replace).toBe(1);
    expect(approved.change).toBe(1);
  });

  it('a create_before_destroy replacement (create, delete) is blocked too', () => {
    work.write('main.tf', config('v3', 'a', '  lifecycle {\n    create_before_destroy = true\n  }\n'));
    const { json } = work.plan();
    const plan = parsePlan(json, 'cbd');
    // Proves Terraform really emitted the create-first order this case is about.
    expect(plan.resource_changes.find((c) => c.address === 'terraform_data.db')?.change.actions).toEqual([
      'create',
      'delete',
    ]);
    const error = caught(() => evaluatePlan(plan, protect)) as DestructiveChangeBlocked;
    expect(error.message).toContain('terraform_data.db (create, delete)');
  });

  it('a plain delete of a protected type is blocked, and passes when the type is not protected', () => {
    work.write('main.tf', config('v1', null));
    const { json, counts } = work.plan();
    const plan = parsePlan(json, 'delete');
    expect(counts).toEqual({ add: 0, change: 0, destroy: 1 });
    const error = caught(() => evaluatePlan(plan, protect)) as DestructiveChangeBlocked;
    expect(error.changes).toEqual([{ address: 'terraform_data.cache', type: 'terraform_data', actions: ['delete'] }]);
    expect(evaluatePlan(plan, { protectedTypes: DEFAULT_PROTECTED_TYPES }).summary).toBe(
      '0 to add, 0 to change, 1 to destroy',
    );
  });
});
