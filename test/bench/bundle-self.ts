import { join } from 'node:path';

/**
 * Bundles a benchmark file with esbuild the way the functions are deployed, so its worker processes
 * run plain Node (as Lambda does) and their memory is the code's, not a TypeScript loader's.
 */
export async function bundleSelf(entry: string, dir: string, name: string): Promise<string> {
  // Imported here so the bundle itself does not need esbuild.
  const { buildSync } = await import('esbuild');
  const outfile = join(dir, `${name}.js`);
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    external: ['esbuild'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
