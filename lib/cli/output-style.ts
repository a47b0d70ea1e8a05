/** Colours `deployctl` uses, as ANSI SGR codes (set, reset). */
const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type Colour = keyof typeof CODES;

/** Paints text in one colour, or returns it unchanged when colour is off. */
export type Paint = (colour: Colour, text: string) => string;

/**
 * Colour only on a terminal and never when `NO_COLOR` is set to a non-empty value (the convention
 * at https://no-color.org: "when present and not an empty string (regardless of its value)").
 */
export function colourEnabled(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

/** A painter for `stream` (stdout by default) under {@link colourEnabled}. */
export function painterFor(stream: { readonly isTTY?: boolean } = process.stdout, env = process.env): Paint {
  if (!colourEnabled(stream, env)) return (_colour, text) => text;
  return (colour, text) => `\u001b[${CODES[colour][0]}m${text}\u001b[${CODES[colour][1]}m`;
}

/** The colour of a run or stage status word (Step Functions' upper case or the timeline's lower case). */
export function statusColour(status: string): Colour | undefined {
  switch (status.toUpperCase().replace(/-/g, '_')) {
    case 'SUCCEEDED':
      return 'green';
    case 'FAILED':
    case 'TIMED_OUT':
      return 'red';
    case 'ABORTED':
    case 'PENDING_REDRIVE':
      return 'yellow';
    case 'RUNNING':
      return 'cyan';
    case 'SKIPPED':
      return 'dim';
    default:
      return undefined;
  }
}

/** A status word painted in its colour. */
export function paintStatus(paint: Paint, status: string): string {
  const colour = statusColour(status);
  return colour === undefined ? status : paint(colour, status);
}
