import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, loadConfig, validateConfig } from '../../lib/config/load-config';
import { ecrRepositoryName } from '../../lib/contracts/pipeline-config';
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
      'services[0].name: may only contain lowercase letters, digits and "-"',
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
      'services[0].environments[0].branch: must be a branch name, not a full ref starting with "refs/": write "main"',
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
      'services[0].ecrRepository: may only contain lowercase letters, digits, ".", "_", "-" and "/"',
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

  // Each value breaks one rule; the message must be that rule's, complete and alone (issue 11: one
  // rule's message attached to another rule).
  const oneRule: Array<[string, (c: any) => void, string[]]> = [
    [
      'service name ending in "-"',
      (c) => (c.services[0].name = 'orders-'),
      ['services[0].name: must end with a lowercase letter or a digit'],
    ],
    [
      'service name of 33 characters',
      (c) => (c.services[0].name = `a${'b'.repeat(32)}`),
      ['services[0].name: must be 2 to 32 characters long'],
    ],
    [
      'service name starting with a digit',
      (c) => (c.services[0].name = '9lives'),
      ['services[0].name: must start with a lowercase letter'],
    ],
    [
      'environment name with an underscore',
      // prod, which no environment promotes from (renaming dev would also leave prod's promoteFrom dangling).
      (c) => (c.services[0].environments[1].name = 'prod_eu'),
      ['services[0].environments[1].name: may only contain lowercase letters, digits and "-"'],
    ],
    [
      'empty branch',
      (c) => (c.services[0].environments[0].branch = ''),
      ['services[0].environments[0].branch: must not be empty'],
    ],
    [
      'GitHub repository with two slashes',
      (c) => (c.services[0].repository.name = 'a/b/c'),
      ['services[0].repository.name: must be "owner/repo" (exactly one "/")'],
    ],
    [
      'GitHub owner with a space',
      (c) => (c.services[0].repository.name = 'my org/app'),
      ['services[0].repository.name: owner (before "/") may only contain letters, digits, "-", "_" and "."'],
    ],
    [
      'GitHub repository part with "#"',
      (c) => (c.services[0].repository.name = 'org/app#1'),
      ['services[0].repository.name: repository (after "/") may only contain letters, digits, "-", "_" and "."'],
    ],
    [
      'CodeCommit repository of 101 characters',
      (c) => (c.services[0].repository = { provider: 'codecommit', name: 'r'.repeat(101) }),
      ['services[0].repository.name: must be 1 to 100 characters long'],
    ],
    [
      'CodeCommit repository with a slash',
      (c) => (c.services[0].repository = { provider: 'codecommit', name: 'team/app' }),
      ['services[0].repository.name: may only contain letters, digits, ".", "_" and "-"'],
    ],
    [
      'absolute Terraform directory',
      (c) => (c.services[0].environments[0].terraformDir = '/srv/terraform'),
      ['services[0].environments[0].terraformDir: must be a relative path inside the repository: no leading "/"'],
    ],
    [
      'EKS cluster starting with "-"',
      (c) => (c.services[0].environments[0].eksCluster = '-prod'),
      ['services[0].environments[0].eksCluster: must start with a letter or a digit'],
    ],
    [
      'EKS cluster with a dot',
      (c) => (c.services[0].environments[0].eksCluster = 'prod.eu'),
      ['services[0].environments[0].eksCluster: may only contain letters, digits, "-" and "_"'],
    ],
    [
      'Helm release of 54 characters',
      (c) => (c.services[0].helm.release = 'r'.repeat(54)),
      ['services[0].helm.release: must be 1 to 53 characters long'],
    ],
    [
      'Helm release ending in "-"',
      (c) => (c.services[0].helm.release = 'orders-'),
      ['services[0].helm.release: must start and end with a lowercase letter or a digit'],
    ],
    [
      'namespace of 64 characters',
      (c) => (c.services[0].helm.namespace = 'n'.repeat(64)),
      ['services[0].helm.namespace: must be 1 to 63 characters long'],
    ],
    [
      'ECR repository with a doubled separator',
      (c) => (c.services[0].ecrRepository = 'team//orders'),
      [
        'services[0].ecrRepository: each "/"-separated part must start and end with a letter or digit, with one ".", "_" or "-" at most between them',
      ],
    ],
    [
      'ECR repository of one character',
      (c) => (c.services[0].ecrRepository = 'o'),
      ['services[0].ecrRepository: must be 2 to 256 characters long'],
    ],
    [
      'log retention that is not a whole number',
      (c) => (c.logRetentionDays = 7.5),
      ['logRetentionDays: must be a whole number of days'],
    ],
    [
      'log retention CloudWatch does not offer',
      (c) => (c.logRetentionDays = 100),
      [
        'logRetentionDays: must be one of the retention periods CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      ],
    ],
  ];

  test.each(oneRule)('%s gets the message of the rule it breaks, and only that', (_, change, expected) => {
    expect(problemsOf(variant(change))).toEqual(expected);
  });

  test.each([
    ['120 (missing from the old message)', 120],
    ['3653', 3653],
  ])('log retention %s is accepted', (_, days) => {
    expect(validateConfig(variant((c) => (c.logRetentionDays = days))).logRetentionDays).toBe(days);
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

describe('account-wide names (one account holds every environment)', () => {
  test('the default applies dev and prod with one ECR repository each', () => {
    const [service] = loadConfig().services;
    const names = service?.environments.map((env) => ecrRepositoryName(service, env));
    expect(names).toEqual(['sample-service-dev', 'sample-service-prod']);
  });

  test('two services whose environments would push to one repository are refused, naming both', () => {
    const raw = variant((c) => {
      const other = structuredClone(c.services[0]);
      other.name = 'sample-service-b';
      c.services.push(other);
    });
    expect(problemsOf(raw)).toEqual([
      'services[1].environments[0].name: services[1].environments[0] and services[0].environments[0] would both push to the ECR repository "sample-service-dev"',
      'services[1].environments[1].name: services[1].environments[1] and services[0].environments[1] would both push to the ECR repository "sample-service-prod"',
    ]);
  });

  test('names that only collide after the environment suffix are refused too', () => {
    // "orders-qa" + "-eu" and "orders" + "-qa-eu" are the same repository.
    const raw = variant((c) => {
      c.services[0].ecrRepository = 'orders-qa';
      c.services[0].environments = [c.services[0].environments[0]];
      c.services[0].environments[0].name = 'eu';
      const other = structuredClone(c.services[0]);
      other.name = 'orders';
      other.ecrRepository = 'orders';
      other.environments[0].name = 'qa-eu';
      c.services.push(other);
    });
    expect(problemsOf(raw)).toEqual([
      'services[1].environments[0].name: services[1].environments[0] and services[0].environments[0] would both push to the ECR repository "orders-qa-eu"',
    ]);
  });

  test('a base name that leaves no room for the environment suffix is refused', () => {
    const raw = variant((c) => {
      c.services[0].ecrRepository = 'r'.repeat(254);
    });
    expect(problemsOf(raw)).toEqual([
      `services[0].ecrRepository: makes the ECR repository "${'r'.repeat(254)}-dev" of services[0].environments[0], longer than ECR's 256 characters`,
      `services[0].ecrRepository: makes the ECR repository "${'r'.repeat(254)}-prod" of services[0].environments[1], longer than ECR's 256 characters`,
    ]);
  });
});
