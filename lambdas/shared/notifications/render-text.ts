import type { PipelineEvent } from '../../../lib/contracts/pipeline-event';
import { describeEvent } from './describe-event';

export interface TextOptions {
  /** ANSI colour for the headline (the caller decides: a TTY and no `NO_COLOR`). @default false */
  readonly color?: boolean;
}

const ANSI: Readonly<Record<string, string>> = {
  '#2EB67D': '\u001b[32m',
  '#E01E5A': '\u001b[31m',
  '#8B0000': '\u001b[31;1m',
  '#E8912D': '\u001b[33m',
  '#ECB22E': '\u001b[33m',
  '#1D9BD1': '\u001b[36m',
  '#868686': '\u001b[90m',
};
const RESET = '\u001b[0m';

/**
 * The event as plain text for a terminal (`deployctl local` prints each notification with it): the
 * same content as the Slack message, with Unicode emoji, one item per line, commands as typed.
 */
export function renderText(event: PipelineEvent, options: TextOptions = {}): string {
  const d = describeEvent(event);
  const headline = `${d.emoji.unicode} ${d.headline}`;
  const out = [options.color ? `${ANSI[d.color] ?? ''}${headline}${RESET}` : headline];
  if (d.reason) {
    out.push(`  ${d.reason.stage} failed: ${d.reason.error}`);
    for (const line of d.reason.cause.split('\n')) out.push(`    ${line}`);
  }
  const width = Math.max(...d.fields.map((f) => f.label.length));
  for (const f of d.fields) out.push(`  ${f.label.padEnd(width)}  ${f.value}`);
  for (const s of d.summaries) out.push(`  ${s}`);
  if (d.timeline.length > 0) {
    out.push('  Stages');
    const name = Math.max(...d.timeline.map((t) => t.name.length));
    for (const t of d.timeline) {
      out.push(`    ${t.emoji.unicode} ${t.name.padEnd(name)}  ${t.duration || t.status}`.trimEnd());
    }
  }
  for (const l of d.links) out.push(`  ${l.label}: ${l.url}`);
  for (const step of d.nextSteps) out.push(`  → ${step.replace(/`/g, '')}`);
  return out.join('\n');
}
