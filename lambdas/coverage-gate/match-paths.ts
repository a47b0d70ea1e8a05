/**
 * Matches report paths to the repository-relative paths of a diff. Reports name files absolutely
 * (`/home/runner/work/repo/src/a.ts`, `C:/build/src/a.ts`), relative to the repository, or relative to
 * the service folder (`src/a.ts` for `app/src/a.ts`), so a path matches exactly or on whole trailing
 * path segments, in either direction.
 */
export function pathMatcher(changedPaths: Iterable<string>): (reportPath: string) => string | undefined {
  const exact = new Set<string>();
  const bySuffix = new Map<string, string>();
  // Every kind of match ends in the same last segment, so most report paths are ruled out by it alone.
  const lastSegments = new Set<string>();
  for (const path of changedPaths) {
    exact.add(path);
    lastSegments.add(lastSegment(path));
    for (const suffix of suffixes(path)) if (!bySuffix.has(suffix)) bySuffix.set(suffix, path);
  }
  return (reportPath) => {
    if (exact.has(reportPath)) return reportPath;
    if (!lastSegments.has(lastSegment(reportPath))) return undefined;
    for (const suffix of suffixes(reportPath)) if (exact.has(suffix)) return suffix;
    return bySuffix.get(reportPath);
  };
}

/** `a/b/c.ts` -> `b/c.ts`, `c.ts` (longest first), skipping the path itself. */
function suffixes(path: string): string[] {
  const out: string[] = [];
  let at = path.indexOf('/');
  while (at >= 0) {
    const rest = path.slice(at + 1);
    if (rest !== '') out.push(rest);
    at = path.indexOf('/', at + 1);
  }
  return out;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * For each changed path, the one report path that names it: the exact path if the report has it, else the
 * candidate (matching on whole trailing segments, either direction) that shares the most trailing segments
 * with it; on a tie the first in report order. The other candidates name other files that happen to end
 * the same way (`index.ts` next to `src/index.ts`) and must not add their lines.
 */
export function bestReportPaths(changedPaths: Iterable<string>, reportPaths: Iterable<string>): Map<string, string> {
  const wanted = new Map<string, string[]>();
  for (const path of changedPaths) {
    const last = lastSegment(path);
    const list = wanted.get(last);
    if (list === undefined) wanted.set(last, [path]);
    else list.push(path);
  }
  const best = new Map<string, { reportPath: string; score: number }>();
  for (const reportPath of reportPaths) {
    for (const changedPath of wanted.get(lastSegment(reportPath)) ?? []) {
      const score = matchScore(changedPath, reportPath);
      if (score === 0) continue;
      const before = best.get(changedPath);
      if (before === undefined || score > before.score) best.set(changedPath, { reportPath, score });
    }
  }
  return new Map([...best].map(([changedPath, { reportPath }]) => [changedPath, reportPath]));
}

/** 0: not the same file; else the number of shared trailing segments, an exact match above any of them. */
function matchScore(changedPath: string, reportPath: string): number {
  if (changedPath === reportPath) return Number.POSITIVE_INFINITY;
  const [shorter, longer] =
    changedPath.length <= reportPath.length ? [changedPath, reportPath] : [reportPath, changedPath];
  if (shorter === '' || !longer.endsWith(shorter) || longer[longer.length - shorter.length - 1] !== '/') return 0;
  return shorter.split('/').filter((segment) => segment !== '').length;
}
