import { createHmac } from 'node:crypto';
import examples from '@octokit/webhooks-examples';
import { REPO } from './test-config';

export { httpApiEvent, sign } from './http-api-event';
export { CONFIG, CONFIG_INPUT, REPO } from './test-config';

/** A push payload as GitHub sends it (only the fields these tests touch are typed). */
export type Payload = Record<string, any>;

/** The `push` examples GitHub's own webhook documentation ships (7: tags created/deleted, branch created). */
export function pushExamples(): Payload[] {
  const push = (examples as Array<{ name: string; examples: Payload[] }>).find((e) => e.name === 'push');
  if (push === undefined) throw new Error('@octokit/webhooks-examples has no push examples');
  return structuredClone(push.examples);
}

export const HEAD = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
export const BEFORE = 'd70c5c6fa638d70c5c6fa638d70c5c6fa638d70c';

/** The example where GitHub reports the creation of `refs/heads/master`. */
export function branchCreated(): Payload {
  const found = pushExamples().find((p) => p.ref === 'refs/heads/master' && p.created === true);
  if (found === undefined) throw new Error('no branch-created push example');
  return found;
}

/** The example where GitHub reports a created tag. */
export function tagCreated(): Payload {
  const found = pushExamples().find((p) => p.ref.startsWith('refs/tags/') && p.created === true);
  if (found === undefined) throw new Error('no tag-created push example');
  return found;
}

interface CommitSpec {
  readonly message?: string;
  readonly added?: string[];
  readonly modified?: string[];
  readonly removed?: string[];
}

/** An ordinary push to an existing branch, derived from the branch-created example. */
export function normalPush(opts: { commits?: CommitSpec[]; ref?: string } = {}): Payload {
  const base = branchCreated();
  const template = base.commits[0];
  const specs = opts.commits ?? [{ message: 'Change the app', modified: ['app/src/index.ts'] }];
  const commits = specs.map((spec, i) => {
    const id = i === specs.length - 1 ? HEAD : createHmac('sha1', 'x').update(String(i)).digest('hex');
    return {
      ...template,
      id,
      message: spec.message ?? `commit ${i}`,
      url: `https://github.com/${REPO}/commit/${id}`,
      added: spec.added ?? [],
      modified: spec.modified ?? [],
      removed: spec.removed ?? [],
    };
  });
  return {
    ...base,
    ref: opts.ref ?? 'refs/heads/master',
    before: BEFORE,
    after: HEAD,
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/${REPO}/compare/${BEFORE.slice(0, 12)}...${HEAD.slice(0, 12)}`,
    commits,
    head_commit: commits[commits.length - 1] ?? null,
  };
}

/** A deletion of `refs/heads/master`, derived from the tag-deleted example. */
export function branchDeleted(): Payload {
  const tagDeleted = pushExamples().find((p) => p.ref.startsWith('refs/tags/') && p.deleted === true);
  if (tagDeleted === undefined) throw new Error('no tag-deleted push example');
  return { ...tagDeleted, ref: 'refs/heads/master' };
}

/** The GitHub Enterprise Server releases `@octokit/webhooks-examples` ships payloads of. */
export const GHES_RELEASES = ['ghes-31', 'ghes-32', 'ghes-33', 'ghes-34', 'ghes-35'] as const;

/** The host of every GHES example: `repository.html_url` is `https://octocoders.github.io/Codertocat/Hello-World`. */
export const GHES_HOST = 'octocoders.github.io';

/** The `push` examples recorded from GitHub Enterprise Server (one or two per release; all tag pushes). */
export function ghesPushExamples(): Array<{ release: string; payload: Payload }> {
  return GHES_RELEASES.flatMap((release) => {
    const all = require(`@octokit/webhooks-examples/${release}/index.json`) as Array<{
      name: string;
      examples: Payload[];
    }>;
    const push = all.find((e) => e.name === 'push');
    return (push?.examples ?? []).map((payload) => ({ release, payload: structuredClone(payload) }));
  });
}

/**
 * An ordinary push to `master` of `Codertocat/Hello-World` on the GHES host, derived from GHES 3.5's
 * tag-created example the way {@link normalPush} is derived from GitHub.com's: the same owner/repo as
 * the github.com repository the test configuration names, on another host.
 */
export function ghesBranchPush(opts: { commits?: CommitSpec[] } = {}): Payload {
  const example = ghesPushExamples().find((e) => e.release === 'ghes-35' && e.payload.created === true);
  if (example === undefined) throw new Error('no GHES 3.5 push example');
  const base = example.payload;
  const template = base.head_commit;
  const specs = opts.commits ?? [{ message: 'Change the app', modified: ['app/src/index.ts'] }];
  const commits = specs.map((spec, i) => {
    const id = i === specs.length - 1 ? HEAD : createHmac('sha1', 'ghes').update(String(i)).digest('hex');
    return {
      ...template,
      id,
      message: spec.message ?? `commit ${i}`,
      url: `https://${GHES_HOST}/Codertocat/Hello-World/commit/${id}`,
      added: spec.added ?? [],
      modified: spec.modified ?? [],
      removed: spec.removed ?? [],
    };
  });
  return {
    ...base,
    ref: 'refs/heads/master',
    before: BEFORE,
    after: HEAD,
    created: false,
    deleted: false,
    forced: false,
    compare: `https://${GHES_HOST}/Codertocat/Hello-World/compare/${BEFORE.slice(0, 12)}...${HEAD.slice(0, 12)}`,
    commits,
    head_commit: commits[commits.length - 1] ?? null,
  };
}
