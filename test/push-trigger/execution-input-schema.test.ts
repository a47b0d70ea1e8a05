import { manualExecutionInput } from '../../lambdas/shared/push-event/manual-execution-input';
import {
  type ExecutionInput,
  executionInputSchema,
  MAX_ROLLBACK_REASON_CHARS,
  MAX_ROLLBACK_REQUESTED_BY_CHARS,
} from '../../lib/contracts/execution-input';
import { CONFIG, HEAD } from './fixtures';

const base: ExecutionInput = {
  service: 'hello',
  environment: 'prod',
  trigger: 'push',
  source: {
    provider: 'github',
    repository: 'Codertocat/Hello-World',
    ref: 'refs/heads/master',
    branch: 'master',
    commit: HEAD,
    before: null,
    message: '',
    author: '',
    url: '',
    deliveryId: 'd-1',
  },
  changes: { app: true, infra: false, paths: ['app/a.ts'], source: 'payload' },
};

const issuesOf = (input: unknown) => {
  const result = executionInputSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('execution input: changes.source', () => {
  it.each([
    ['payload', { app: true, infra: false, paths: ['app/a.ts'] }],
    ['compare-api', { app: false, infra: false, paths: [] }],
    ['unknown', { app: true, infra: true, paths: null }],
    ['manual', { app: false, infra: true, paths: null }],
  ])('accepts %s with a matching change list', (source, changes) => {
    expect(issuesOf({ ...base, changes: { ...changes, source } })).toEqual([]);
  });

  it('stays optional: inputs written before the field still parse', () => {
    expect(issuesOf({ ...base, changes: { app: true, infra: true, paths: null } })).toEqual([]);
  });

  it.each([
    [
      { app: true, infra: true, paths: null, source: 'payload' },
      'changes.paths: must list the paths when source is "payload"',
    ],
    [
      { app: true, infra: true, paths: null, source: 'compare-api' },
      'changes.paths: must list the paths when source is "compare-api"',
    ],
    [{ app: true, infra: true, paths: [], source: 'unknown' }, 'changes.paths: must be null when source is "unknown"'],
    [{ app: true, infra: true, paths: [], source: 'manual' }, 'changes.paths: must be null when source is "manual"'],
    [
      { app: true, infra: false, paths: null, source: 'unknown' },
      'changes.source: "unknown" means everything changed: app and infra must both be true',
    ],
  ])('refuses %j', (changes, message) => {
    expect(issuesOf({ ...base, changes })).toEqual([message]);
  });

  it('refuses a value it does not know', () => {
    expect(issuesOf({ ...base, changes: { ...base.changes, source: 'guess' } })).toHaveLength(1);
  });

  it('deployctl run records manual', () => {
    const run = manualExecutionInput({
      config: CONFIG,
      service: 'hello',
      environment: 'dev',
      commit: HEAD,
      branch: 'master',
    });
    expect(run.input.changes).toEqual({ app: true, infra: true, paths: null, source: 'manual' });
  });
});

describe('execution input: trigger "rollback" and rollbackRequest', () => {
  const rollback = (request: unknown) => ({ ...base, trigger: 'rollback', rollbackRequest: request });

  it('accepts a full and a minimal request', () => {
    expect(issuesOf(rollback({ toRevision: 7, requestedBy: 'jdoe', reason: 'bad release' }))).toEqual([]);
    expect(issuesOf(rollback({ requestedBy: 'arn:aws:iam::123456789012:user/jdoe' }))).toEqual([]);
  });

  it('is optional', () => {
    expect(issuesOf({ ...base, trigger: 'rollback' })).toEqual([]);
  });

  it.each([
    [{ toRevision: 0, requestedBy: 'jdoe' }, 'rollbackRequest.toRevision: must be a positive revision number'],
    [{ toRevision: 1.5, requestedBy: 'jdoe' }, 'rollbackRequest.toRevision: must be a whole revision number'],
    [{ requestedBy: '' }, 'rollbackRequest.requestedBy: must name who asked'],
    [{}, 'rollbackRequest.requestedBy: Invalid input: expected string, received undefined'],
  ])('refuses %j', (request, message) => {
    expect(issuesOf(rollback(request))).toEqual([message]);
  });

  it('counts requestedBy (1..256) and reason (<= 1024) at their boundaries', () => {
    const ok = {
      requestedBy: 'x'.repeat(MAX_ROLLBACK_REQUESTED_BY_CHARS),
      reason: 'r'.repeat(MAX_ROLLBACK_REASON_CHARS),
    };
    expect(issuesOf(rollback(ok))).toEqual([]);
    expect(issuesOf(rollback({ ...ok, requestedBy: `${ok.requestedBy}x` }))).toHaveLength(1);
    expect(issuesOf(rollback({ ...ok, reason: `${ok.reason}r` }))).toHaveLength(1);
  });

  it('is a strict object: an unknown field is refused', () => {
    expect(issuesOf(rollback({ requestedBy: 'jdoe', revision: 3 }))).toEqual([
      'rollbackRequest: Unrecognized key: "revision"',
    ]);
  });
});
