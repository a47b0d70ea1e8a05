import { DEFAULT_SKIP_MARKERS, type SkipDirectives } from '../../../lib/contracts/pipeline-config';

/** The skip markers GitHub Actions honours, the default set ({@link DEFAULT_SKIP_MARKERS}). */
export const SKIP_MARKERS: readonly string[] = DEFAULT_SKIP_MARKERS;

/** GitHub Actions' set: the default of the configuration's `skipDirectives`. */
export const DEFAULT_SKIP_DIRECTIVES: SkipDirectives = { markers: [...DEFAULT_SKIP_MARKERS], skipChecksTrailer: true };

/**
 * The same page: "Alternatively, you can add a skip-checks trailer to your commit message. The trailers
 * section should be included at the end of your commit message and be preceded by two empty lines. If you
 * already have other trailers in your commit message, skip-checks should be last. You can use either of
 * the following: skip-checks:true, skip-checks: true".
 */
const SKIP_TRAILER = /^skip-checks: ?true$/;
/** A git trailer line, `Token: value` (git interpret-trailers; tokens have no spaces). */
const TRAILER_LINE = /^[A-Za-z0-9][A-Za-z0-9-]*:/;

/**
 * The skip-checks trailer: the last line of the message is `skip-checks:true` or `skip-checks: true`, in
 * a block of trailer lines that an empty line separates from the rest of the message. GitHub asks for two
 * empty lines, but git's default cleanup turns two into one (the page itself says so), so one is enough
 * here: a message that ends in the trailer asks to skip however git left the blank lines.
 */
function hasSkipChecksTrailer(message: string): boolean {
  const lines = message.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const last = lines[lines.length - 1];
  if (last === undefined || !SKIP_TRAILER.test(last.trim())) return false;
  let i = lines.length - 1;
  while (i > 0 && (lines[i - 1] as string).trim() !== '') i -= 1;
  // The trailer block must not be the subject line, and every line in it must be a trailer.
  if (i === 0) return false;
  return lines.slice(i).every((line) => TRAILER_LINE.test(line.trim()));
}

/**
 * The directive that asks not to run the pipeline for this commit message, or undefined when there is
 * none: the first of `directives.markers` the message contains, in any case (returned as configured), else
 * `skip-checks: true` when `directives.skipChecksTrailer` is on and the message ends in that trailer.
 *
 * @param directives the configuration's `skipDirectives`. @default GitHub Actions' set ({@link DEFAULT_SKIP_DIRECTIVES})
 */
export function skipDirectiveOf(
  message: string,
  directives: SkipDirectives = DEFAULT_SKIP_DIRECTIVES,
): string | undefined {
  const lower = message.toLowerCase();
  const marker = directives.markers.find((m) => lower.includes(m.toLowerCase()));
  if (marker !== undefined) return marker;
  return directives.skipChecksTrailer && hasSkipChecksTrailer(message) ? 'skip-checks: true' : undefined;
}

/** Whether a commit message asks not to run the pipeline (see {@link skipDirectiveOf}). */
export function asksToSkipCi(message: string, directives: SkipDirectives = DEFAULT_SKIP_DIRECTIVES): boolean {
  return skipDirectiveOf(message, directives) !== undefined;
}
