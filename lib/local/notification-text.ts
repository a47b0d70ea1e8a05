import type { LocalNotification } from './local-run-result';

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const short = (commit: unknown): string => str(commit)?.slice(0, 7) ?? '?';

function get(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>(
    (at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined),
    value,
  );
}

/** What a successful run did, from the success message's `verify`, `apply` and `deploy`. */
function successDetails(message: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const pct = get(message, 'verify', 'tests', 'coverage', 'summary', 'lines', 'pct');
  if (typeof pct === 'number') lines.push(`coverage: ${pct.toFixed(2)}% of lines`);
  const plan = get(message, 'verify', 'plan', 'guard', 'summary', 'summary');
  if (typeof plan === 'string') lines.push(`terraform: ${plan}`);
  const digest = get(message, 'verify', 'image', 'digest', '0');
  if (typeof digest === 'string') lines.push(`image: ${digest}`);
  const revision = get(message, 'deploy', 'revision', '0');
  if (typeof revision === 'string') lines.push(`helm: revision ${revision}`);
  return lines;
}

/**
 * A notification as a few lines of plain text: the headline a chat message would carry, then what
 * matters for its event (the failing stage, error and cause; or what the run delivered).
 */
export function notificationText(notification: LocalNotification): string[] {
  const m = notification.message;
  const event = str(m.event) ?? notification.state;
  const who = str(m.author) ? ` by ${str(m.author)}` : '';
  const lines = [
    `[${event}] ${str(m.service) ?? '?'} → ${str(m.environment) ?? '?'} · ${short(m.commit)} on ${str(m.branch) ?? '?'}${who}`,
  ];
  if (event === 'failed') {
    lines.push(`  ${str(m.stage) ?? '?'} failed: ${str(m.error) ?? '?'}`);
    const cause = str(m.cause);
    if (cause) {
      const shown = cause.length > 600 ? `${cause.slice(0, 597)}...` : cause;
      lines.push(...shown.split('\n').map((line) => `  ${line}`));
    }
  }
  if (event === 'succeeded') lines.push(...successDetails(m).map((l) => `  ${l}`));
  return lines;
}
