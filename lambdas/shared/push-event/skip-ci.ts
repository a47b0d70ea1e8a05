const SKIP_MARKERS = ['[skip ci]', '[ci skip]'];

/** Whether a commit message asks not to run the pipeline (`[skip ci]` or `[ci skip]`, any case). */
export function asksToSkipCi(message: string): boolean {
  const lower = message.toLowerCase();
  return SKIP_MARKERS.some((marker) => lower.includes(marker));
}
