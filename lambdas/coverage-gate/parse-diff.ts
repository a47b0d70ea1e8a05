import { CoverageReportInvalid } from './errors';
import { normalizePath } from './normalize-path';

/** Changed (added or modified) line numbers of the new version of each file, by normalized path. */
export type ChangedLines = Map<string, Set<number>>;

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parses `git diff -U0 <before>..<commit>` output into the lines each file gained. Deleted files
 * (`+++ /dev/null`), pure renames and binary files add nothing; hunk bodies are skipped by their counts,
 * so an added line that itself reads `+++ b/x` is not mistaken for a header.
 */
export function parseDiff(text: string): ChangedLines {
  const changed: ChangedLines = new Map();
  const lines = text.split(/\r?\n/);
  let current: Set<number> | undefined;
  // A deleted file has hunks too; they are read past but add nothing.
  let deleted = false;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    i += 1;
    if (line.startsWith('diff --git ')) {
      current = undefined;
      deleted = false;
      continue;
    }
    if (line.startsWith('+++ ')) {
      const target = stripPrefix(unquote(line.slice(4).replace(/\t.*$/, '')));
      deleted = target === undefined;
      if (target === undefined) {
        current = undefined;
      } else {
        const path = normalizePath(target);
        current = changed.get(path) ?? new Set<number>();
        changed.set(path, current);
      }
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk === null) continue;
    if (current === undefined && !deleted) {
      throw new CoverageReportInvalid(`diff line ${i}: hunk header before any "+++" file header`);
    }
    const removed = hunk[1] === undefined ? 1 : Number(hunk[1]);
    const start = Number(hunk[2]);
    const added = hunk[3] === undefined ? 1 : Number(hunk[3]);
    for (let n = 0; n < added; n += 1) current?.add(start + n);
    // Skip the hunk body: `removed` lines starting with '-', `added` with '+', plus "\ No newline" markers.
    let body = removed + added;
    while (body > 0 && i < lines.length) {
      const next = lines[i] as string;
      if (next.startsWith('\\')) {
        i += 1;
        continue;
      }
      if (!next.startsWith('-') && !next.startsWith('+') && !next.startsWith(' ')) {
        throw new CoverageReportInvalid(`diff line ${i + 1}: hunk ends early (${body} body lines missing)`);
      }
      i += 1;
      body -= 1;
    }
  }
  for (const [path, set] of changed) if (set.size === 0) changed.delete(path);
  return changed;
}

/** `b/path` -> `path`; `/dev/null` (deleted file) -> undefined. */
function stripPrefix(target: string): string | undefined {
  if (target === '/dev/null') return undefined;
  return target.startsWith('b/') ? target.slice(2) : target;
}

/** Git quotes paths with unusual characters C-style: "b/caf\303\251 \"x\".ts". */
function unquote(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let k = 0; k < body.length; k += 1) {
    const ch = body[k] as string;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[k + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(k + 1, k + 4), 8));
      k += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      k += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
