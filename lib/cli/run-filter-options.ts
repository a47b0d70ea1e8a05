import { type Command, InvalidArgumentError } from 'commander';

// Service and environment names as the configuration allows them (lib/contracts/pipeline-config.ts).
const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** A commander parser for a service or environment name (`what` names it in the message). */
export function configName(what: string) {
  return (value: string): string => {
    if (!NAME.test(value)) {
      throw new InvalidArgumentError(
        `"${value}" is not a ${what} name (2-32 lowercase letters, digits and dashes, starting with a letter)`,
      );
    }
    return value;
  };
}

/** `--service` and `--env`, checked against the configuration's name rule. */
export function addRunFilterOptions(command: Command, verb: string): Command {
  return command
    .option('--service <name>', `${verb} runs of this service only`, configName('service'))
    .option('--env <name>', `${verb} runs in this environment only`, configName('environment'));
}

/** `--service` and `--env` as parsed. */
export interface RunFilterOptions {
  readonly service?: string;
  readonly env?: string;
}

/** A positive whole number option (`--limit`), at most `max`. */
export function positiveInt(what: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from 1 to ${max}, got "${value}"`);
    }
    return n;
  };
}
