/** The mark that ends a shortened text. */
export const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `text` cut to at most `max` UTF-16 code units (JavaScript's `length`), ending in `…` when cut.
 * Cuts between grapheme clusters, so an emoji sequence or a letter with its accents is never split.
 * Code units are the strict unit: a text within `max` of them is within `max` characters however a
 * platform counts (code points or code units).
 *
 * @param max at least 1
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - ELLIPSIS.length;
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length + segment.length > room) break;
    kept += segment;
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, between grapheme clusters, ending in `…` when cut
 * (the unit SNS counts).
 */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  let kept = '';
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = Buffer.byteLength(segment, 'utf8');
    if (bytes + size > room) break;
    kept += segment;
    bytes += size;
  }
  return `${kept}${ELLIPSIS}`;
}

/** The first line of a text, without trailing blanks. */
export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).trimEnd();
}

/**
 * A duration for people: `6m 12s`, `45s`, `1h 02m`, `<1s`.
 * @param ms milliseconds, 0 or more
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return '<1s';
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
