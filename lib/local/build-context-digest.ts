import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';

/** One `.dockerignore` rule: a matcher and whether it is an exception (`!pattern`). */
interface IgnoreRule {
  readonly match: (path: string) => boolean;
  readonly exception: boolean;
}

/**
 * The rules of a `.dockerignore` file as Docker reads it
 * (https://docs.docker.com/build/concepts/context/#dockerignore-files): one pattern per line, `#`
 * comments, patterns relative to the context root (a leading `/` is dropped), `**` for any number
 * of directories, `!` for an exception, and the last matching rule decides.
 */
function ignoreRules(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const pattern = (exception ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { match: picomatch(pattern, { dot: true }), exception };
    });
}

/** Whether Docker leaves `path` (POSIX, relative to the context) out of the context. */
function ignored(rules: readonly IgnoreRule[], path: string): boolean {
  // A pattern that matches a directory excludes everything under it.
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.match(p))) excluded = !rule.exception;
  }
  return excluded;
}

/**
 * A content digest of a Docker build context, standing in for an image digest where no image can
 * be built (`deployctl local` without a Docker engine): the same tree always gives the same digest,
 * and any change to what `docker build` would send changes it.
 *
 * What is hashed: every regular file and symbolic link under `contextDir` that the context's
 * `.dockerignore` keeps, plus the Dockerfile (Docker always reads it, even when ignored), in the
 * byte order of their POSIX paths relative to the context. Each contributes one line:
 * `<kind> <path>\0<sha256 of the content, or the link's target>\n`, where kind is `x` (a file with
 * an executable bit), `f` (another file) or `l` (a link). The digest is SHA-256 over those lines,
 * as `sha256:<64 hex>`. Directories themselves, owners, times and other mode bits do not count.
 *
 * @throws Error when `contextDir` has no Dockerfile.
 */
export function buildContextDigest(contextDir: string, dockerfile = 'Dockerfile'): string {
  if (!existsSync(join(contextDir, dockerfile))) throw new Error(`${contextDir} has no ${dockerfile}`);
  const ignoreFile = join(contextDir, '.dockerignore');
  const rules = existsSync(ignoreFile) ? ignoreRules(readFileSync(ignoreFile, 'utf8')) : [];
  const paths: string[] = [];
  // Ignored directories are not entered, unless an exception (`!`) could bring something back.
  const prune = !rules.some((r) => r.exception);
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(contextDir, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!(prune && ignored(rules, path))) walk(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && (path === dockerfile || !ignored(rules, path))) {
        paths.push(path);
      }
    }
  };
  walk('');
  paths.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const hash = createHash('sha256');
  for (const path of paths) {
    const full = join(contextDir, path);
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) {
      hash.update(`l ${path}\0${readlinkSync(full)}\n`);
    } else {
      const content = createHash('sha256').update(readFileSync(full)).digest('hex');
      hash.update(`${stat.mode & 0o111 ? 'x' : 'f'} ${path}\0${content}\n`);
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
