/** One Dockerfile instruction after joining continuation lines and dropping comments. */
export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line the instruction starts on. */
  readonly line: number;
}

/** A build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  readonly from: { readonly image: string; readonly name?: string; readonly line: number };
  readonly instructions: readonly Instruction[];
}

/**
 * Splits a Dockerfile into instructions the way BuildKit's parser does for the cases that matter
 * here: `#` comment lines (also inside a continuation) are dropped, a trailing escape character
 * joins the next line, and keywords are case-insensitive. Heredocs are not supported.
 */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const escapeDirective = /^#\s*escape\s*=\s*([\\`])\s*$/i.exec(lines.find((l) => l.trim() !== '') ?? '');
  const escapeChar = escapeDirective?.[1] ?? '\\';
  const instructions: Instruction[] = [];
  let buffer: string[] = [];
  let start = 0;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && buffer.length === 0)) return;
    if (buffer.length === 0) start = index + 1;
    const continues = trimmed.endsWith(escapeChar);
    buffer.push(continues ? trimmed.slice(0, -1).trim() : trimmed);
    if (continues) return;
    const joined = buffer.filter((part) => part !== '').join(' ');
    buffer = [];
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (match?.[1] !== undefined) {
      instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '', line: start });
    }
  });
  if (buffer.length > 0) throw new Error(`line ${start}: continuation runs past the end of the file`);
  return instructions;
}

/** Groups instructions into stages; instructions before the first FROM (global ARGs) are dropped. */
export function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: { from: Stage['from']; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const [image, as, name] = words;
      if (image === undefined) throw new Error(`line ${instruction.line}: FROM without an image`);
      const from =
        as?.toUpperCase() === 'AS' && name
          ? { image, name, line: instruction.line }
          : { image, line: instruction.line };
      stages.push({ from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/**
 * Why a base image reference is not pinned, or undefined when it is: a sha256 digest, or an exact
 * `major.minor.patch` tag (never `latest`, never a floating `22` or `22-slim`).
 */
export function unpinnedReason(image: string): string | undefined {
  if (image.includes('$')) return `${image} is built from a variable; write the pinned reference`;
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const tag = /:([^/:@]+)$/.exec(image)?.[1];
  if (tag === undefined) return `${image} has no tag (implicitly latest)`;
  if (tag === 'latest') return `${image} uses latest`;
  if (!/^v?\d+\.\d+\.\d+/.test(tag)) return `${image} tag ${tag} is not an exact version`;
  return undefined;
}
