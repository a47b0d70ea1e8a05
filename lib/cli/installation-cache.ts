import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What discovery found for one profile, region and stack. */
export interface CachedInstallation {
  readonly stackName: string;
  readonly region: string;
  readonly stateMachineArn: string;
  /** The `PipelineEventsTopicArn` output; null when the stack has none. */
  readonly topicArn: string | null;
  /** The `DeployLockTableName` output; null when the stack has none, absent in entries cached before it. */
  readonly lockTableName?: string | null;
  /** ISO 8601 instant of the `DescribeStacks` call. */
  readonly resolvedAt: string;
}

interface CacheFile {
  readonly version: 1;
  readonly entries: Record<string, CachedInstallation>;
}

/**
 * The user's cache directory for deployctl: `DEPLOYCTL_CACHE_DIR` when set; else
 * `$XDG_CACHE_HOME/deployctl` (default `~/.cache/deployctl`) on Linux and other Unixes,
 * `~/Library/Caches/deployctl` on macOS, `%LOCALAPPDATA%\deployctl\Cache` on Windows.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = homedir()): string {
  if (env.DEPLOYCTL_CACHE_DIR) return env.DEPLOYCTL_CACHE_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'deployctl', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'deployctl');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'deployctl');
}

/** The cache key: one entry per profile, region and stack name. */
export function cacheKey(profile: string, region: string, stackName: string): string {
  return `${profile}|${region}|${stackName}`;
}

/**
 * The stack outputs discovery read, cached per profile in `installations.json` under
 * {@link cacheDir}, so commands after the first make no `DescribeStacks` call. A missing or
 * unreadable file is an empty cache; a failed write only costs the next command a lookup.
 */
export class InstallationCache {
  private readonly dir: string;
  private readonly file: string;

  constructor(dir: string = cacheDir()) {
    this.dir = dir;
    this.file = join(dir, 'installations.json');
  }

  private read(): CacheFile {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<CacheFile>;
      if (parsed.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) {
        return { version: 1, entries: parsed.entries };
      }
    } catch {
      // absent or damaged: start over
    }
    return { version: 1, entries: {} };
  }

  get(key: string): CachedInstallation | undefined {
    const entry = this.read().entries[key];
    return entry !== undefined && typeof entry.stateMachineArn === 'string' ? entry : undefined;
  }

  set(key: string, value: CachedInstallation): void {
    const data = this.read();
    const next: CacheFile = { version: 1, entries: { ...data.entries, [key]: value } };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Written whole and renamed, so a concurrent reader never sees half a file.
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // A read-only home directory only means no cache.
    }
  }

  delete(key: string): void {
    const data = this.read();
    if (!(key in data.entries)) return;
    const { [key]: _dropped, ...rest } = data.entries;
    try {
      writeFileSync(this.file, `${JSON.stringify({ version: 1, entries: rest }, null, 2)}\n`, { mode: 0o600 });
    } catch {
      // see set()
    }
  }
}
