import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const APP_DIR = join(__dirname, '..');
const read = (file: string) => JSON.parse(readFileSync(join(APP_DIR, file), 'utf8'));

describe('package-lock.json used by the image build', () => {
  const manifest = read('package.json');
  const lock = read('package-lock.json');
  const root = lock.packages[''];

  it('was resolved from the current package.json (else run scripts/image-lockfile.sh)', () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(root.dependencies).toEqual(manifest.dependencies);
    expect(root.devDependencies ?? {}).toEqual(manifest.devDependencies ?? {});
  });

  it('locks every runtime dependency with an integrity hash', () => {
    for (const name of Object.keys(manifest.dependencies)) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry).toMatchObject({ version: expect.any(String), integrity: expect.stringMatching(/^sha512-/) });
    }
  });
});
