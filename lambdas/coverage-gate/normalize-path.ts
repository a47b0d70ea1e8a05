/** One spelling for report and diff paths: forward slashes, no leading `./`, no doubled slashes. */
export function normalizePath(raw: string): string {
  let path = raw
    .trim()
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/');
  while (path.startsWith('./')) path = path.slice(2);
  return path;
}

/** Joins a report's source root and a relative file name (Cobertura `<source>` + `filename`). */
export function joinPath(root: string, name: string): string {
  const file = normalizePath(name);
  if (root === '' || file.startsWith('/') || /^[A-Za-z]:\//.test(file)) return file;
  const base = normalizePath(root).replace(/\/$/, '');
  return base === '' ? file : `${base}/${file}`;
}
