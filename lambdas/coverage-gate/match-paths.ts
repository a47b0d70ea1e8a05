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
