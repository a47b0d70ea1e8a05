import { Command } from 'commander';
import { register as registerLocal } from './commands/local';
import { register as registerScanCheck } from './commands/scan-check';
import { register as registerCoverage } from './coverage';

/**
 * The `deployctl` command tree. Each command lives in its own file under `lib/cli/` and exports a
 * `register(program)` function added here.
 */
export function buildProgram(): Command {
  const program = new Command('deployctl')
    .description('Operate the push-to-EKS deploy pipeline (today: check a coverage report before you push).')
    .showHelpAfterError()
    .exitOverride();
  registerCoverage(program);
  registerScanCheck(program);
  registerLocal(program);
  return program;
}
