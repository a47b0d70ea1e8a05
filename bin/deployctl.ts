#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from '../lib/cli/program';

/** Exit codes: 0 success, 1 a check failed (gate, run), 2 unusable input or arguments. */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is bad input.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`deployctl: ${(err as Error).message}\n`);
    return 2;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
