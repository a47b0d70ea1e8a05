/**
 * Collects what the Powertools Logger writes (info to stdout, warn and error to stderr) so tests
 * can read the structured lines and check nothing secret leaked.
 */
export class LogCapture {
  readonly lines: string[] = [];
  private readonly restore: Array<() => void> = [];

  start(): this {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((chunk: string | Uint8Array) => {
        this.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      }) as typeof stream.write;
      this.restore.push(() => {
        stream.write = original;
      });
    }
    return this;
  }

  stop(): void {
    for (const undo of this.restore.splice(0)) undo();
  }

  /** The parsed JSON lines the logger wrote. */
  records(): Array<Record<string, unknown>> {
    return this.lines
      .join('')
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
