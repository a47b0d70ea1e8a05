import { executionName } from '../../lambdas/shared/execution-name';
import {
  changedPathsOf,
  GITHUB_MAX_FILES_PER_COMMIT,
  GITHUB_MAX_LISTED_COMMITS,
  InvalidPushPayload,
  parseGitHubPush,
  pushEventFromGitHub,
} from '../../lambdas/shared/push-event/github-push';
import { manualExecutionInput } from '../../lambdas/shared/push-event/manual-execution-input';
import { normalizePush } from '../../lambdas/shared/push-event/normalize-push';
import type { PushDecision } from '../../lambdas/shared/push-event/push-decision';
import { routePush } from '../../lambdas/shared/push-event/route-push';
import { executionInputSchema } from '../../lib/contracts/execution-input';
import {
  BEFORE,
  branchCreated,
  branchDeleted,
  CONFIG,
  HEAD,
  normalPush,
  type Payload,
  pushExamples,
  REPO,
  tagCreated,
} from './fixtures';

function decide(payload: Payload, deliveryId = 'delivery-1'): PushDecision {
  return normalizePush(pushEventFromGitHub(parseGitHubPush(payload), deliveryId), CONFIG);
}

function started(decision: PushDecision) {
  if (decision.kind !== 'start')
    throw new Error(`expected executions, got ${decision.kind}: ${JSON.stringify(decision)}`);
  return decision.executions;
}

describe('GitHub push examples (as published by GitHub)', () => {
  const all = pushExamples();

  it('there are the seven push examples the suite relies on', () => {
    expect(all).toHaveLength(7);
  });

  it.each(all.map((p, i) => [i, p.ref, p.created, p.deleted, p]))(
    'example %i (%s, created=%s, deleted=%s) parses and is decided',
    (_i, ref, created, deleted, payload) => {
      const decision = decide(payload as Payload);
      if (String(ref).startsWith('refs/tags/')) {
        expect(decision).toMatchObject({ kind: 'ignored', reason: 'tag' });
      } else if (deleted) {
        expect(decision).toMatchObject({ kind: 'ignored', reason: 'branch-deleted' });
      } else {
        expect(created).toBe(true);
        // A new branch lists only its new commits: the difference is unknown, so everything runs.
        const executions = started(decision);
        expect(executions.map((e) => `${e.service}/${e.environment}`)).toEqual([
          'hello/dev',
          'hello/prod',
          'docs-site/dev',
        ]);
        for (const e of executions)
          expect(e.input.changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
      }
    },
  );
});

describe('normalizePush on pushes derived from the examples', () => {
  it('a normal push to master starts one execution per environment deploying master, with the documented input', () => {
    const executions = started(decide(normalPush(), 'b2a1c3d4-0000-11ee-8000-000000000001'));
    expect(executions.map((e) => `${e.service}/${e.environment}`)).toEqual(['hello/dev', 'hello/prod']);
    const [dev] = executions;
    expect(dev?.name).toBe(
      executionName({
        service: 'hello',
        environment: 'dev',
        commit: HEAD,
        deliveryId: 'b2a1c3d4-0000-11ee-8000-000000000001',
      }),
    );
    expect(dev?.name).toMatch(/^hello-dev-6113728-[0-9a-f]{12}$/);
    expect(executionInputSchema.parse(dev?.input)).toEqual(dev?.input);
    expect(dev?.input).toEqual({
      service: 'hello',
      environment: 'dev',
      trigger: 'push',
      source: {
        provider: 'github',
        repository: REPO,
        ref: 'refs/heads/master',
        branch: 'master',
        commit: HEAD,
        before: BEFORE,
        message: 'Change the app',
        author: 'Codertocat',
        url: `https://github.com/${REPO}/commit/${HEAD}`,
        deliveryId: 'b2a1c3d4-0000-11ee-8000-000000000001',
      },
      changes: { app: true, infra: false, paths: ['app/src/index.ts'], source: 'payload' },
    });
  });

  it('unions and de-duplicates the files of every listed commit', () => {
    const payload = normalPush({
      commits: [
        { added: ['terraform/main.tf'], modified: ['app/a.ts'] },
        { modified: ['app/a.ts'], removed: ['app/old.ts'] },
      ],
    });
    const [first] = started(decide(payload));
    expect(first?.input.changes).toEqual({
      app: true,
      infra: true,
      paths: ['app/a.ts', 'app/old.ts', 'terraform/main.tf'],
      source: 'payload',
    });
  });

  it('a push touching only docs/ starts the docs service only, and says why hello was skipped', () => {
    const decision = decide(normalPush({ commits: [{ modified: ['docs/guide.md'] }] }));
    expect(started(decision).map((e) => e.service)).toEqual(['docs-site']);
    expect(decision).toMatchObject({ skipped: [{ service: 'hello', reason: 'no-relevant-changes' }] });
  });

  it('a push touching no service path starts nothing', () => {
    expect(decide(normalPush({ commits: [{ modified: ['README.md'] }] }))).toMatchObject({
      kind: 'ignored',
      reason: 'no-relevant-changes',
    });
  });

  it('a forced push does not trust the listed commits: everything runs', () => {
    const payload = { ...normalPush({ commits: [{ modified: ['README.md'] }] }), forced: true };
    for (const e of started(decide(payload)))
      expect(e.input.changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
  });

  it('a push of 25 app-only commits is classified from its files: 20 is the Events API cap, not the webhook one (issue 11)', () => {
    const commits = Array.from({ length: 25 }, (_, i) => ({ modified: [`app/src/module-${i}.ts`] }));
    const decision = decide(normalPush({ commits }));
    const executions = started(decision);
    expect(executions.map((e) => `${e.service}/${e.environment}`)).toEqual(['hello/dev', 'hello/prod']);
    expect(executions[0]?.input.changes).toMatchObject({ app: true, infra: false });
    expect(executions[0]?.input.changes.paths).toHaveLength(25);
    expect(decision).toMatchObject({ skipped: [{ service: 'docs-site', reason: 'no-relevant-changes' }] });
  });

  it(`a push listing GitHub’s webhook cap of ${GITHUB_MAX_LISTED_COMMITS} commits may have had more: unknown paths; one fewer is known`, () => {
    expect(GITHUB_MAX_LISTED_COMMITS).toBe(2048);
    const commits = Array.from({ length: GITHUB_MAX_LISTED_COMMITS }, (_, i) => ({ modified: [`app/f${i}.ts`] }));
    expect(changedPathsOf(parseGitHubPush(normalPush({ commits })))).toBeNull();
    expect(changedPathsOf(parseGitHubPush(normalPush({ commits: commits.slice(1) })))).toHaveLength(2047);
  });

  it('a size or distinct_size above the listed commits means unknown paths; equal or absent does not', () => {
    expect(changedPathsOf(parseGitHubPush({ ...normalPush(), size: 2 }))).toBeNull();
    expect(changedPathsOf(parseGitHubPush({ ...normalPush(), distinct_size: 5 }))).toBeNull();
    expect(changedPathsOf(parseGitHubPush({ ...normalPush(), size: 1, distinct_size: 1 }))).toEqual([
      'app/src/index.ts',
    ]);
    const payload = normalPush();
    delete payload.size;
    delete payload.distinct_size;
    expect(changedPathsOf(parseGitHubPush(payload))).toEqual(['app/src/index.ts']);
  });

  it(`GitHub’s cap of ${GITHUB_MAX_FILES_PER_COMMIT} files applies per commit, not per push (issue 11: 5 commits of 700 files)`, () => {
    expect(GITHUB_MAX_FILES_PER_COMMIT).toBe(3000);
    const files = (n: number, dir: string) => Array.from({ length: n }, (_, i) => `${dir}/f${i}.ts`);
    const five = Array.from({ length: 5 }, (_, c) => ({ added: files(700, `app/c${c}`) }));
    expect(changedPathsOf(parseGitHubPush(normalPush({ commits: five })))).toHaveLength(3500);
    const [first] = started(decide(normalPush({ commits: five })));
    expect(first?.input.changes).toMatchObject({ app: true, infra: false });
    expect(first?.input.changes.paths).toHaveLength(3500);
    // One commit at the cap (its three lists together) may have been cut.
    const atCap = [{ added: files(1000, 'a'), modified: files(1000, 'm'), removed: files(1000, 'r') }];
    expect(changedPathsOf(parseGitHubPush(normalPush({ commits: atCap })))).toBeNull();
    const below = [{ added: files(1000, 'a'), modified: files(1000, 'm'), removed: files(999, 'r') }];
    expect(changedPathsOf(parseGitHubPush(normalPush({ commits: below })))).toHaveLength(2999);
  });

  it('a commit listing no file (GitHub leaves the lists empty for extremely large commits) means unknown paths', () => {
    const payload = normalPush({ commits: [{ modified: ['app/a.ts'] }, { message: 'redeploy' }] });
    expect(changedPathsOf(parseGitHubPush(payload))).toBeNull();
    for (const e of started(decide(payload)))
      expect(e.input.changes).toEqual({ app: true, infra: true, paths: null, source: 'unknown' });
  });

  it('a branch deletion starts nothing', () => {
    expect(decide(branchDeleted())).toMatchObject({ kind: 'ignored', reason: 'branch-deleted' });
    // All-zero "after" without the deleted flag counts as a deletion too.
    expect(decide({ ...normalPush(), after: '0'.repeat(40), head_commit: null })).toMatchObject({
      reason: 'branch-deleted',
    });
  });

  it('a tag push starts nothing, whatever its commits', () => {
    expect(decide(tagCreated())).toMatchObject({ kind: 'ignored', reason: 'tag' });
    expect(decide(normalPush({ ref: 'refs/tags/v1.0.0' }))).toMatchObject({ reason: 'tag' });
  });

  it('other refs (notes, pull heads) start nothing', () => {
    expect(decide(normalPush({ ref: 'refs/pull/1/head' }))).toMatchObject({ reason: 'not-a-branch' });
  });

  it.each(['[skip ci]', '[ci skip]', '[Skip CI]', '[no ci]', '[skip actions]', '[actions skip]', '[NO CI]'])(
    '%s in the head commit message starts nothing (GitHub Actions’ documented directives)',
    (marker) => {
      const payload = normalPush({ commits: [{ message: `Tidy up ${marker}`, modified: ['app/a.ts'] }] });
      expect(decide(payload)).toMatchObject({
        kind: 'ignored',
        reason: 'skip-ci',
        detail: `head commit message contains ${marker.toLowerCase()}`,
      });
    },
  );

  it.each([
    ['after two empty lines (GitHub’s wording)', 'Update docs\n\n\nskip-checks: true'],
    ['after one empty line (git’s default cleanup)', 'Update docs\n\nskip-checks:true'],
    ['last after other trailers', 'Update docs\n\nBody text.\n\nSigned-off-by: A <a@example.com>\nskip-checks: true\n'],
    ['with CRLF line breaks', 'Update docs\r\n\r\nskip-checks: true\r\n'],
  ])('a skip-checks: true trailer %s starts nothing', (_label, message) => {
    const payload = normalPush({ commits: [{ message, modified: ['app/a.ts'] }] });
    expect(decide(payload)).toMatchObject({
      reason: 'skip-ci',
      detail: 'head commit message contains skip-checks: true',
    });
  });

  it.each([
    ['not the last trailer', 'Update docs\n\nskip-checks: true\nSigned-off-by: A <a@example.com>'],
    ['in the subject line', 'skip-checks: true'],
    ['inside the body text', 'Update docs\n\nWe could add skip-checks: true here.'],
    ['in a paragraph that is not all trailers', 'Update docs\n\nsome words\nskip-checks: true'],
    ['set to false', 'Update docs\n\nskip-checks: false'],
    ['misspelt directive', 'Update docs [skip-ci]'],
  ])('a message with skip-checks %s still deploys', (_label, message) => {
    const payload = normalPush({ commits: [{ message, modified: ['app/a.ts'] }] });
    expect(started(decide(payload))).toHaveLength(2);
  });

  it('[skip ci] only in an earlier commit does not skip', () => {
    const payload = normalPush({
      commits: [
        { message: 'wip [skip ci]', modified: ['app/a.ts'] },
        { message: 'done', modified: ['app/b.ts'] },
      ],
    });
    expect(started(decide(payload))).toHaveLength(2);
  });

  it('a branch with slashes routes to its environment and gets a valid execution name', () => {
    const [preview, ...rest] = started(decide(normalPush({ ref: 'refs/heads/feature/x' })));
    expect(rest).toEqual([]);
    expect(preview?.environment).toBe('preview');
    expect(preview?.input.source.branch).toBe('feature/x');
    expect(preview?.name).toMatch(/^hello-preview-6113728-[0-9a-f]{12}$/);
    expect(decide(normalPush({ ref: 'refs/heads/feature/y' }))).toMatchObject({ reason: 'no-environment-for-branch' });
  });

  it('branches match exactly (git branch names are case-sensitive)', () => {
    expect(decide(normalPush({ ref: 'refs/heads/Master' }))).toMatchObject({ reason: 'no-environment-for-branch' });
  });

  it('repositories match case-insensitively on GitHub', () => {
    const payload = normalPush();
    payload.repository = { ...payload.repository, full_name: 'CODERTOCAT/hello-world' };
    expect(started(decide(payload))).toHaveLength(2);
  });

  it('an unknown repository starts nothing', () => {
    const payload = normalPush();
    payload.repository = { ...payload.repository, full_name: 'someone/else' };
    expect(decide(payload)).toMatchObject({ kind: 'ignored', reason: 'unknown-repository' });
  });

  it('keeps non-ASCII commit messages and author names intact', () => {
    const payload = normalPush({
      commits: [{ message: 'Añade caché für 日本語 ✓ 🚀\n\nDétails', modified: ['app/a.ts'] }],
    });
    payload.head_commit.author = { name: 'Zoë Ångström', username: 'zoe' };
    const [first] = started(decide(payload));
    expect(first?.input.source.message).toBe('Añade caché für 日本語 ✓ 🚀\n\nDétails');
    expect(first?.input.source.author).toBe('Zoë Ångström');
  });

  it('the same delivery gives the same names; another delivery of the same commit another name', () => {
    const a = started(decide(normalPush(), 'd-1')).map((e) => e.name);
    expect(started(decide(normalPush(), 'd-1')).map((e) => e.name)).toEqual(a);
    expect(started(decide(normalPush(), 'd-2')).map((e) => e.name)).not.toEqual(a);
  });
});

describe('parseGitHubPush', () => {
  it.each([
    ['missing ref', (p: Payload) => delete p.ref, 'ref'],
    ['numeric ref', (p: Payload) => (p.ref = 42), 'ref'],
    ['short after', (p: Payload) => (p.after = 'abc123'), 'after'],
    ['uppercase after', (p: Payload) => (p.after = HEAD.toUpperCase()), 'after'],
    ['missing repository', (p: Payload) => delete p.repository, 'repository'],
    ['numeric full_name', (p: Payload) => (p.repository.full_name = 7), 'repository.full_name'],
    ['string commits', (p: Payload) => (p.commits = 'many'), 'commits'],
    ['file list of numbers', (p: Payload) => (p.commits[0].added = [1, 2]), 'commits[0].added[0]'],
    ['string forced', (p: Payload) => (p.forced = 'yes'), 'forced'],
  ])('names the field when the payload has %s', (_label, mutate, field) => {
    const payload = normalPush();
    mutate(payload);
    expect(() => parseGitHubPush(payload)).toThrow(InvalidPushPayload);
    expect(() => parseGitHubPush(payload)).toThrow(new RegExp(`${field.replace(/[[\].]/g, '\\$&')}: `));
  });

  it('does not echo field values in its message', () => {
    const payload = normalPush();
    payload.ref = { secret: 'do-not-echo-me' };
    expect(() => parseGitHubPush(payload)).toThrow(/^(?!.*do-not-echo-me)/s);
  });

  it('rejects a payload that is not an object', () => {
    expect(() => parseGitHubPush('push')).toThrow(InvalidPushPayload);
    expect(() => parseGitHubPush(null)).toThrow(InvalidPushPayload);
  });
});

describe('routePush', () => {
  it('routes CodeCommit repositories by exact name only', () => {
    const ref = 'refs/heads/main';
    expect(routePush(CONFIG, { provider: 'codecommit', repository: 'billing-repo', ref })).toMatchObject({
      kind: 'routed',
      targets: [{ service: { name: 'billing' } }],
    });
    expect(routePush(CONFIG, { provider: 'codecommit', repository: 'Billing-Repo', ref })).toMatchObject({
      reason: 'unknown-repository',
    });
    // A GitHub repository of the same name is another repository.
    expect(routePush(CONFIG, { provider: 'github', repository: 'billing-repo', ref })).toMatchObject({
      reason: 'unknown-repository',
    });
  });
});

describe('manualExecutionInput', () => {
  it('builds a schema-valid manual execution through the same code as pushes', () => {
    const run = manualExecutionInput({
      config: CONFIG,
      service: 'hello',
      environment: 'prod',
      commit: HEAD,
      branch: 'hotfix/1',
      author: 'ops',
      deliveryId: 'manual-1',
    });
    expect(executionInputSchema.parse(run.input)).toEqual(run.input);
    expect(run.name).toBe(
      executionName({ service: 'hello', environment: 'prod', commit: HEAD, deliveryId: 'manual-1' }),
    );
    expect(run.input).toMatchObject({
      trigger: 'manual',
      source: { provider: 'manual', repository: REPO, ref: 'refs/heads/hotfix/1', branch: 'hotfix/1', before: null },
      changes: { app: true, infra: true, paths: null },
    });
  });

  it('gives each run without a delivery id its own name', () => {
    const args = { config: CONFIG, service: 'hello', environment: 'dev', commit: HEAD, branch: 'master' };
    expect(manualExecutionInput(args).name).not.toBe(manualExecutionInput(args).name);
  });

  it('names what is wrong', () => {
    const base = { config: CONFIG, environment: 'dev', commit: HEAD, branch: 'master' };
    expect(() => manualExecutionInput({ ...base, service: 'nope' })).toThrow(
      /unknown service "nope".*hello, docs-site, billing/,
    );
    expect(() => manualExecutionInput({ ...base, service: 'hello', environment: 'qa' })).toThrow(
      /unknown environment "qa" for service hello \(configured: dev, prod, preview\)/,
    );
    expect(() => manualExecutionInput({ ...base, service: 'hello', commit: 'abc' })).toThrow(/source.commit/);
  });
});

it('branch-created example keeps GitHub’s own head commit data', () => {
  const push = pushEventFromGitHub(parseGitHubPush(branchCreated()), 'x');
  expect(push).toMatchObject({
    before: null,
    after: HEAD,
    message: 'Initial commit',
    author: 'Codertocat',
    paths: null,
  });
});
