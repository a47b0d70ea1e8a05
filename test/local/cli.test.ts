import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram } from '../../lib/cli/program';
import { localRunResultSchema } from '../../lib/local/local-run-result';
import { LocalRunInvalid } from '../../lib/local/run-local-pipeline';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'deployctl.js');

/**
 * The real CLI in a child process (bin/deployctl.js runs the TypeScript through tsx). `--simulated`
 * keeps these runs independent of the tools on the machine (the stage drivers have their own tests).
 */
function deployctl(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
}

/** `deployctl local ...` in this process: stdout and stderr as written, the exit code it set. */
async function inProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const program = buildProgram();
  for (const command of [program, ...program.commands]) {
    command.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  }
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'deployctl', 'local', ...args]);
    return { stdout: out.join(''), stderr: err.join(''), exitCode: process.exitCode ?? 0 };
  } finally {
    write.mockRestore();
    process.exitCode = before;
  }
}

describe('deployctl local', () => {
  test('--json prints only the result document (child process): a failed run exits 1', () => {
    const run = deployctl('local', '--simulated', '--json', '--scenario', 'coverage-low', '--changes', 'app');

    expect(run.status).toBe(1);
    // The whole of stdout is one JSON document that matches the schema exactly (strict objects).
    const result = localRunResultSchema.parse(JSON.parse(run.stdout));
    expect(result).toMatchObject({
      status: 'FAILED',
      error: { error: 'CoverageBelowThreshold' },
      execution: { scenario: 'coverage-low', service: 'sample-service', environment: 'dev' },
    });
    expect(result.states.map((s) => s.name)).toContain('CoverageGate');
    expect(result.transitions).toBeGreaterThan(result.states.length);
  });

  test('a bad argument: one line on stderr, nothing on stdout, exit 2 (child process)', () => {
    const run = deployctl('local', '--fail', 'Verify:States.TaskFailed');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /"Verify:States.TaskFailed" names no Task state of the pipeline .*Task states: LoadRunSettings, /,
      ),
    ]);
  });

  test('--json of the happy run validates against the schema and exits 0', async () => {
    const run = await inProcess('--simulated', '--json');
    expect(run.exitCode).toBe(0);
    const result = localRunResultSchema.parse(JSON.parse(run.stdout));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.error).toBeNull();
    expect(result.notifications.map((n) => n.event.type)).toEqual(['started', 'succeeded']);
  });

  test('without --json: a plain timeline, the summary table with modes and reasons, the notifications', async () => {
    const run = await inProcess('--simulated', '--scenario', 'deploy-fails', '--changes', 'app');
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.split('\n');
    // Not a terminal here: plain lines, one per change, no cursor movement.
    expect(run.stdout).not.toContain('\u001b[');
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^✖ HelmDeploy · simulated/)]));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^↓ .*TerraformPlan · not run/)]));
    expect(run.stdout).toMatch(/│ stage\s+│ result\s+│ time\s+│ mode\s+│ why/);
    expect(run.stdout).toMatch(
      /│ CoverageGate\s+│ SUCCEEDED\s+│ [\d.]+s\s+│ real\s+│ lambdas\/coverage-gate\/run-gate\.ts/,
    );
    expect(run.stdout).toMatch(/│ HelmDeploy\s+│ FAILED\s+│/);
    // Each notification as renderText prints it (the text Slack's message is made of), indented.
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}🚀 dev: deploying sample-service [0-9a-f]{7} by /),
        expect.stringMatching(/^ {2}❌ dev: sample-service [0-9a-f]{7} by .+ failed in HelmDeploy after /),
      ]),
    );
    expect(run.stdout).toContain('    HelmDeploy failed: HelmDeployFailed');
    expect(run.stdout).toMatch(/^ {6}❌ HelmDeploy +<?\d/m);
    expect(lines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^FAILED in [\d.]+s, \d+ state transitions: HelmDeployFailed$/)]),
    );
  });

  test.each([
    [['--scenario', 'nope'], /argument 'nope' is invalid\. unknown scenario "nope" \(known: happy, /],
    [['--fail', 'Nope'], /"Nope" names no Task state of the pipeline/],
    [['--fail', 'RunTests:not an error'], /"not an error" is not an error name/],
    [['--changes', 'docs'], /Allowed choices are all, app, infra/],
    [['--aws-endpoint', 'localhost:5000'], /must be an http\(s\) URL/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('%j is refused with one line', async (args, message) => {
    const error = await inProcess(...args).catch((err: unknown) => err);
    // bin/deployctl.ts turns every CommanderError but help into exit 2.
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).not.toBe(0);
    expect((error as Error).message.split('\n')).toEqual([expect.stringMatching(message)]);
  });

  test('a scenario the change set cannot play is refused before anything runs', async () => {
    await expect(inProcess('--scenario', 'plan-destructive', '--changes', 'app')).rejects.toThrow(
      new LocalRunInvalid(
        'scenario "plan-destructive" needs infrastructure changes; --changes app skips the stage it is about',
      ),
    );
  });
});
