/** One spelling for report and diff paths: forward slashes, no leading `./`, no doubled slashes. */
export function normalizePath(raw: string): string {
  if (isNormal(raw)) return raw;
  let path = raw
    .trim()
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  return path;
}

/** Most report paths are already normal; checking is cheaper than three rewrites per file. */
function isNormal(raw: string): boolean {
  const length = raw.length;
  if (length === 0 || raw.charCodeAt(0) <= 32 || raw.charCodeAt(length - 1) <= 32) return false;
  if (raw.startsWith('./')) return false;
  let previous = 0;
  for (let i = 0; i < length; i += 1) {
    const c = raw.charCodeAt(i);
    // A backslash, a doubled slash, or a character outside ASCII (String#trim knows Unicode spaces).
    if (c === 92 || (c === 47 && previous === 47) || c > 126) return false;
    previous = c;
  }
  return true;
}

/** Joins a report's source root and a relative file name (Cobertura `<source>` + `filename`). */
export function joinPath(root: string, name: string): string {
  const file = normalizePath(name);
  if (root === '' || file.startsWith('/') || /^[A-Za-z]:\//.test(file)) return file;
  const base = normalizePath(root).replace(/\/$/, '');
  return base === '' ? file : `${base}/${file}`;
}
