import { join } from 'node:path';

/** Repository root. */
export const REPO_ROOT = join(__dirname, '..', '..');
/**
 * Real coverage reports and their tools' own totals (`MANIFEST.json`), kept in the repository so a
 * clone tests on its own; sources and licences in `test/fixtures/coverage/README.md`.
 */
export const CONFORMANCE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'coverage');
