/**
 * The skip directives GitHub Actions honours, from "Skipping workflow runs"
 * (docs.github.com/en/actions/managing-workflow-runs/skipping-workflow-runs): workflows "won't be
 * triggered if you add any of the following strings to the commit message in a push, or the HEAD commit
 * of a pull request: [skip ci] [ci skip] [no ci] [skip actions] [actions skip]". Matched in any case, as
 * this pipeline always has.
 */
export const SKIP_MARKERS: readonly string[] = [
  '[skip ci]',
  '[ci skip]',
  '[no ci]',
  '[skip actions]',
  '[actions skip]',
];

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
 * The directive that asks not to run the pipeline for this commit message (one of {@link SKIP_MARKERS},
 * in any case, or `skip-checks: true` as the last trailer), or undefined when there is none.
 */
export function skipDirectiveOf(message: string): string | undefined {
  const lower = message.toLowerCase();
  const marker = SKIP_MARKERS.find((m) => lower.includes(m));
  if (marker !== undefined) return marker;
  return hasSkipChecksTrailer(message) ? 'skip-checks: true' : undefined;
}

/** Whether a commit message asks not to run the pipeline (see {@link skipDirectiveOf}). */
export function asksToSkipCi(message: string): boolean {
  return skipDirectiveOf(message) !== undefined;
}
