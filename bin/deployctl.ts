#!/usr/bin/env node
import { CommanderError } from 'commander';
import { errorLine } from '../lib/cli/error-line';
import { buildProgram } from '../lib/cli/program';

/**
 * Exit codes: 0 done, 1 the answer is no (a gate blocked, a watched run failed, a redrive was
 * refused), 2 nothing could be done (bad input or arguments, no credentials, unknown execution).
 * Every problem is one line on stderr, never a stack trace.
 */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is bad input (commander printed it).
      return err.exitCode === 0 ? 0 : 2;
    }
    const { line, code } = errorLine(err);
    process.stderr.write(`deployctl: ${line}\n`);
    return code;
  }
}

// A reader that stops early (`deployctl history | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
