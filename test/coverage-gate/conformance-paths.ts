import { join } from 'node:path';

/** Repository root, and the shared conformance corpus cloned beside it (`../shared`). */
export const REPO_ROOT = join(__dirname, '..', '..');
export const CONFORMANCE_DIR = join(REPO_ROOT, '..', 'shared', 'conformance', 'coverage');
