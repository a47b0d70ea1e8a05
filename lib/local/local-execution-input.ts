import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import type { ExecutionInput } from '../contracts/execution-input';
import type { PipelineConfig } from '../contracts/pipeline-config';
import { CHANGE_SETS, type ChangeSet } from './scenarios';

/** What git says about the checkout's HEAD, or `undefined` where git or a commit is missing. */
function gitHead(
  sourceDir: string,
): { commit: string; before: string | null; branch: string; subject: string; author: string } | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: sourceDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const [commit, author, subject] = git('log', '-1', '--format=%H%x00%an%x00%s').split('\0');
    if (commit === undefined || !/^[0-9a-f]{40}$/.test(commit)) return undefined;
    let before: string | null = null;
    try {
      before = git('rev-parse', '--verify', '--quiet', 'HEAD~1');
    } catch {
      // The first commit has no parent.
    }
    let branch = 'main';
    try {
      const name = git('rev-parse', '--abbrev-ref', 'HEAD');
      if (name !== '' && name !== 'HEAD') branch = name;
    } catch {
      // Detached or unborn HEAD: keep the default.
    }
    return {
      commit,
      before: before && /^[0-9a-f]{40}$/.test(before) ? before : null,
      branch,
      subject: subject ?? '',
      author: author ?? '',
    };
  } catch {
    return undefined;
  }
}

/**
 * The execution input of a local run: a manual run of `service` in `environment` at the checkout's
 * HEAD (commit, parent, branch, author and subject from git; a fixed commit id when `sourceDir` is
 * not a git checkout), with the changes `--changes` selects (`paths: null` = everything changed).
 */
export function localExecutionInput(args: {
  readonly config: PipelineConfig;
  readonly service: string;
  readonly environment: string;
  readonly changes: ChangeSet;
  readonly sourceDir: string;
}): ExecutionInput {
  const service = args.config.services.find((s) => s.name === args.service);
  const head = gitHead(args.sourceDir) ?? {
    commit: createHash('sha1').update('deployctl local').digest('hex'),
    before: null,
    branch: 'main',
    subject: 'local run outside a git checkout',
    author: 'local',
  };
  const repository = service?.repository.name ?? args.service;
  const { app, infra } = CHANGE_SETS[args.changes];
  const paths =
    args.changes === 'all' ? null : [`${(app ? service?.appPath : service?.terraformPath) ?? args.changes}/`];
  return {
    service: args.service,
    environment: args.environment,
    trigger: 'manual',
    source: {
      provider: 'manual',
      repository,
      ref: `refs/heads/${head.branch}`,
      branch: head.branch,
      commit: head.commit,
      before: head.before,
      message: head.subject,
      author: head.author,
      url: service?.repository.provider === 'github' ? `https://github.com/${repository}/commit/${head.commit}` : '',
      deliveryId: `local-${randomUUID()}`,
    },
    changes: { app, infra, paths },
  };
}
