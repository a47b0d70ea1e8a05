import { cliEnv, deployctl, oneLine } from './support/run-deployctl';

const COMMANDS = [
  'history',
  'status',
  'watch',
  'run',
  'redrive',
  'approve',
  'reject',
  'rollback',
  'coverage',
  'plan-check',
  'scan-check',
  'local',
];

describe('deployctl --help is the page an operator starts from', () => {
  const env = cliEnv();

  it('lists every command, how the installation is found, the exit codes and real examples', async () => {
    const out = await deployctl(['--help'], env);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const listed = [...out.stdout.matchAll(/^ {2}([a-z-]+) (?:\[options\]|<)/gm)].map((m) => m[1]);
    expect(listed).toEqual(COMMANDS);
    expect(out.stdout).toMatch(/found from the stack's outputs \(--stack, default DeployPipeline\)/);
    expect(out.stdout).toMatch(/Exit codes: 0 done, 1 the answer is no/);
    for (const command of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^ {2}\\$ deployctl ${command} `, 'm'));
  });

  it('an unknown command is one line and exit 2', async () => {
    const out = await deployctl(['frobnicate', 'x'], env);
    expect(out.code).toBe(2);
    expect(oneLine(out.stderr)).toMatch(/^deployctl: unknown command 'frobnicate'/);
  });

  it('approve, reject and rollback say whose identity they record and what they need', async () => {
    for (const command of ['approve', 'reject']) {
      const out = await deployctl([command, '--help'], env);
      expect(out.stdout).toMatch(/your IAM identity \(STS GetCallerIdentity\)/);
      expect(out.stdout).toMatch(/--lock-table <name>/);
    }
    expect((await deployctl(['reject', '--help'], env)).stdout).toMatch(/--reason <text> +why \(1-1024 characters\)/);
    const rollback = (await deployctl(['rollback', '--help'], env)).stdout;
    expect(rollback).toMatch(/--to-revision <n>/);
    expect(rollback).toMatch(/Terraform changes are never undone/);
  });

  it.each(COMMANDS.filter((c) => !['coverage', 'scan-check'].includes(c)))(
    '%s --help has examples',
    async (command) => {
      const out = await deployctl([command, '--help'], env);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^Examples:$/m);
      expect(out.stdout).toMatch(new RegExp(`^ {2}\\$ .*deployctl ${command}\\b`, 'm'));
    },
  );

  it('every command that reads runs takes --json and --utc where it shows times', async () => {
    for (const command of ['history', 'status', 'watch']) {
      const out = await deployctl([command, '--help'], env);
      expect(out.stdout).toMatch(/--json/);
      expect(out.stdout).toMatch(/--utc/);
    }
    for (const command of ['run', 'redrive', 'approve', 'reject', 'rollback', 'plan-check']) {
      expect((await deployctl([command, '--help'], env)).stdout).toMatch(/--json/);
    }
  });
});
