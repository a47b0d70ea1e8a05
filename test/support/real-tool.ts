import { spawnSync } from 'node:child_process';

/**
 * Whether a real tool this suite needs is on the PATH. On a laptop without it the suite skips;
 * with `CI=true` a missing tool is an error, so CI can never go green by skipping.
 */
export function hasTool(command: string): boolean {
  // Presence on the PATH, not a version flag: some tools (moto_server) have none and exit non-zero.
  const probe = spawnSync('sh', ['-c', 'command -v "$0"', command], { stdio: 'ignore' });
  const found = probe.status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error(`${command} is required when CI=true (install it from .ci/run)`);
  }
  return found;
}

/** `describe` that runs only when every tool is present (and throws in CI when one is not). */
export function describeWithTools(tools: string[], name: string, body: () => void): void {
  const ok = tools.every((t) => hasTool(t));
  (ok ? describe : describe.skip)(`${name}${ok ? '' : ` (skipped: needs ${tools.join(', ')})`}`, body);
}
