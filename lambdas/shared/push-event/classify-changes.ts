import picomatch from 'picomatch';
import type { ChangeSource } from '../../../lib/contracts/execution-input';
import type { ChangePaths } from '../../../lib/contracts/pipeline-config';

/** What a push changed for one service: the `changes` of the execution input. */
export interface Changes {
  readonly app: boolean;
  readonly infra: boolean;
  /** The changed paths, or null when unknown (then `app` and `infra` are both true). */
  readonly paths: string[] | null;
  /** Where the list came from (`unknown` when `paths` is null, unless a person chose the stages); absent: not recorded. */
  readonly source?: ChangeSource;
}

type Matcher = (path: string) => boolean;
interface CompiledPaths {
  readonly app: Matcher;
  readonly infra: Matcher;
  readonly both: Matcher;
}

// Services keep their globs for the life of the function, so compile each set once.
const compiled = new WeakMap<ChangePaths, CompiledPaths>();

function compile(globs: ChangePaths): CompiledPaths {
  let hit = compiled.get(globs);
  if (hit === undefined) {
    const matcher = (list: readonly string[]): Matcher =>
      list.length === 0 ? () => false : picomatch(list as string[], { dot: true });
    hit = { app: matcher(globs.app), infra: matcher(globs.infra), both: matcher(globs.both) };
    compiled.set(globs, hit);
  }
  return hit;
}

/**
 * Decides which stages a push needs for one service: files under the app globs need the app
 * stages, files under the infra globs need Terraform, files under `both` need everything. Unknown
 * paths (null) mean everything changed. Whether the list fits an execution input is decided on the
 * whole input, in bytes, by `fitExecutionInput`.
 *
 * @param source where `paths` came from; ignored (`unknown`) when `paths` is null.
 */
export function classifyChanges(
  paths: readonly string[] | null,
  globs: ChangePaths,
  source: 'payload' | 'compare-api' = 'payload',
): Changes {
  if (paths === null) return { app: true, infra: true, paths: null, source: 'unknown' };
  const match = compile(globs);
  let app = false;
  let infra = false;
  for (const path of paths) {
    if (match.both(path)) {
      app = true;
      infra = true;
      break;
    }
    if (!app && match.app(path)) app = true;
    if (!infra && match.infra(path)) infra = true;
  }
  return { app, infra, paths: [...paths], source };
}
