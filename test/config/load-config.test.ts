import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, loadConfig, validateConfig } from '../../lib/config/load-config';
import { formatPath } from '../../lib/contracts/validation-issues';

/** A deep copy of the default with one change applied. */
function variant(change: (c: any) => void): unknown {
  const copy = structuredClone(DEFAULT_CONFIG) as any;
  change(copy);
  return copy;
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('pipeline configuration', () => {
  test('the embedded default is valid and fills in defaults', () => {
    const config = loadConfig();
    expect(config.services).toHaveLength(1);
    const [service] = config.services;
    expect(service?.environments.map((e) => [e.name, e.branch, e.coverage.minLinePct])).toEqual([
      ['dev', 'main', 80],
      ['prod', 'main', 80],
    ]);
    expect(config.logRetentionDays).toBe(90);
  });

  test('formats paths the way users read them', () => {
    expect(formatPath(['services', 0, 'environments', 1, 'branch'])).toBe('services[0].environments[1].branch');
    expect(formatPath([])).toBe('(root)');
  });

  const invalid: Array<[string, unknown, string]> = [
    [
      'missing branch',
      variant((c) => delete c.services[0].environments[1].branch),
      'services[0].environments[1].branch: required',
    ],
    ['no services', { services: [] }, 'services: must list at least one service'],
    ['services missing', {}, 'services: required'],
    [
      'threshold over 100',
      variant((c) => (c.services[0].environments[0].coverage = { minLinePct: 120 })),
      'services[0].environments[0].coverage.minLinePct: must be between 0 and 100',
    ],
    [
      'threshold as string',
      variant((c) => (c.services[0].environments[0].coverage = { minLinePct: '80' })),
      'services[0].environments[0].coverage.minLinePct: Invalid input: expected number, received string',
    ],
    [
      'bad repository name',
      variant((c) => (c.services[0].repository.name = 'no-slash')),
      'services[0].repository.name: must be "owner/repo"',
    ],
    [
      'unknown provider',
      variant((c) => (c.services[0].repository.provider = 'gitlab')),
      'services[0].repository.provider',
    ],
    [
      'uppercase service name',
      variant((c) => (c.services[0].name = 'Sample')),
      'services[0].name: must be 2-32 characters',
    ],
    [
      'duplicate environment',
      variant((c) => (c.services[0].environments[1].name = 'dev')),
      'services[0].environments[1].name: duplicate environment "dev"',
    ],
    [
      'duplicate service',
      variant((c) => c.services.push(structuredClone(c.services[0]))),
      'services[1].name: duplicate service "sample-service"',
    ],
    [
      'branch given as a ref',
      variant((c) => (c.services[0].environments[0].branch = 'refs/heads/main')),
      'services[0].environments[0].branch: must be a branch name without "refs/heads/"',
    ],
    [
      'path escaping the repository',
      variant((c) => (c.services[0].environments[0].terraformDir = '../other')),
      'services[0].environments[0].terraformDir: must be a relative path inside the repository',
    ],
    [
      'misspelled field',
      variant((c) => (c.services[0].helm.relase = 'x')),
      'services[0].helm: unknown field(s): relase',
    ],
    ['bad log retention', variant((c) => (c.logRetentionDays = 42)), 'logRetentionDays: must be one of'],
    [
      'bad ECR repository',
      variant((c) => (c.services[0].ecrRepository = 'Upper_Case')),
      'services[0].ecrRepository: must be an ECR repository name',
    ],
  ];

  test.each(invalid)('rejects %s with a message naming the field', (_, raw, expected) => {
    const problems = problemsOf(raw);
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  test('reports every problem at once, one line each', () => {
    const problems = problemsOf(
      variant((c) => {
        delete c.services[0].environments[0].branch;
        c.services[0].environments[1].coverage = { minLinePct: -1 };
      }),
    );
    expect(problems).toEqual([
      'services[0].environments[0].branch: required',
      'services[0].environments[1].coverage.minLinePct: must be between 0 and 100',
    ]);
  });

  describe('from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));

    test('a missing file names the path', () => {
      expect(() => loadConfig('nope.json', dir)).toThrow(/nope\.json[\s\S]*not found/);
    });

    test('invalid JSON says so', () => {
      writeFileSync(join(dir, 'broken.json'), '{ "services": [ ');
      expect(() => loadConfig('broken.json', dir)).toThrow(/not valid JSON/);
    });

    test('a valid file is loaded', () => {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify(DEFAULT_CONFIG));
      expect(loadConfig('ok.json', dir).services[0]?.name).toBe('sample-service');
    });

    test('synth with a bad file exits 1 with one line per problem and no stack trace', () => {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(variant((c) => delete c.services[0].environments[1].branch)));
      const run = spawnSync('npx', ['tsx', 'bin/app.ts'], {
        cwd: join(__dirname, '..', '..'),
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify({ config: file }),
          CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'out-')),
        },
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('services[0].environments[1].branch: required');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
