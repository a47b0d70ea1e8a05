import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Code bundled into the Lambda functions (lambdas/, lib/contracts/) imports zod as a namespace
 * (`import * as z from 'zod'`). esbuild cannot tree-shake the `z` object that `import { z } from 'zod'`
 * names (zod's index re-exports its namespace as a value), so that form bundles every zod locale:
 * about 260 KB of each function's ~500 KB, and its init time (docs/BENCHMARKS.md, Lambda cold start).
 */
const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

test('bundled code imports zod as a namespace, so esbuild can leave out what it does not use', () => {
  const offenders = [...sources(join(ROOT, 'lambdas')), ...sources(join(ROOT, 'lib', 'contracts'))]
    .filter((file) => /^import \{[^}]*\bz\b[^}]*\} from 'zod';/m.test(readFileSync(file, 'utf8')))
    .map((file) => relative(ROOT, file));
  expect(offenders).toEqual([]);
});
