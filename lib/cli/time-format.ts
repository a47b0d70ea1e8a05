/** How times are shown: in the user's time zone (the process's `TZ`), or in UTC with `--utc`. */
export interface TimeOptions {
  readonly utc?: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `2025-06-30 14:03:05 +02:00` in the local time zone, or `2025-06-30 12:03:05 UTC` with `utc`.
 * The offset is the zone's offset at that instant (so summer and winter times read right).
 */
export function formatInstant(date: Date, options: TimeOptions = {}): string {
  if (options.utc) {
    return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(
      date.getUTCHours(),
    )}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
  }
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}:${pad(date.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `45s`, `4m 12s`, `1h 02m 03s` (whole seconds, rounded down); `-` for an unknown duration. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m ${pad(s % 60)}s`;
}

/** Seconds between two instants (to `now` when `stop` is null), or null without a start. */
export function secondsBetween(
  start: Date | null | undefined,
  stop: Date | null | undefined,
  now: Date,
): number | null {
  if (start === null || start === undefined) return null;
  return Math.max(0, ((stop ?? now).getTime() - start.getTime()) / 1000);
}

/** An instant as JSON shows it: ISO 8601 in UTC (whatever `--utc` says), or null. */
export function isoOrNull(date: Date | null | undefined): string | null {
  return date === null || date === undefined ? null : date.toISOString();
}

/** The time of day of an instant, `14:03:05`, local or UTC (the run's header carries the date and zone). */
export function formatClock(date: Date, options: TimeOptions = {}): string {
  return formatInstant(date, options).slice(11, 19);
}
