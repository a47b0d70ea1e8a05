import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, validateConfig } from '../../lib/config/load-config';
import { gitHubHostKind } from '../../lib/contracts/pipeline-config';
import { runSettingsSchema } from '../../lib/contracts/run-settings';
import { runSettingsFor, sourceOf } from '../../lib/run-settings';

/** The default configuration with the first service's repository replaced. */
function withRepository(repository: Record<string, unknown>): any {
  const copy = structuredClone(DEFAULT_CONFIG) as any;
  copy.services[0].repository = repository;
  return copy;
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    validateConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const HOST = 'services[0].repository.host';
const CTX = {
  account: '123456789012',
  region: 'eu-west-1',
  urlSuffix: 'amazonaws.com',
  deployProject: 'd',
  rollbackProject: 'r',
  scanType: 'basic' as const,
};

describe('repository.host (issue 11, item 3)', () => {
  test('defaults to github.com, as every existing configuration means', () => {
    const config = validateConfig(DEFAULT_CONFIG);
    expect(config.services[0]?.repository).toEqual({
      provider: 'github',
      name: 'example-org/sample-service',
      host: 'github.com',
    });
  });

  test.each([
    ['github.com', 'github.com', 'github.com'],
    ['a GitHub Enterprise Server host, stored in lowercase', 'GitHub.Example.COM', 'github.example.com'],
    ['a GHE.com data-residency host', 'octo-corp.ghe.com', 'octo-corp.ghe.com'],
    ['a host with digits and dashes', 'git-01.corp-2.example', 'git-01.corp-2.example'],
  ])('accepts %s', (_label, host, stored) => {
    const config = validateConfig(withRepository({ provider: 'github', name: 'acme/app', host }));
    const repository = config.services[0]?.repository;
    expect(repository?.provider === 'github' && repository.host).toBe(stored);
  });

  test.each([
    [
      'a URL',
      'https://github.example.com',
      'must be a host name without a scheme: write "github.example.com", not "https://..."',
    ],
    ['a path', 'github.example.com/acme', 'must be a host name without a path'],
    ['a port', 'github.example.com:8443', 'must be a host name without a port'],
    [
      'an underscore',
      'git_hub.example.com',
      'may only contain ASCII letters, digits, "-" and "." (RFC 1123; write an internationalized name in its xn-- form)',
    ],
    [
      'a non-ASCII name',
      'gït.example.com',
      'may only contain ASCII letters, digits, "-" and "." (RFC 1123; write an internationalized name in its xn-- form)',
    ],
    [
      'an empty label',
      'github..example.com',
      'each "."-separated label must be 1 to 63 characters long (RFC 1035): no empty label, no leading or trailing "."',
    ],
    [
      'a trailing dot',
      'github.example.com.',
      'each "."-separated label must be 1 to 63 characters long (RFC 1035): no empty label, no leading or trailing "."',
    ],
    [
      'a 64-character label',
      `${'g'.repeat(64)}.example.com`,
      'each "."-separated label must be 1 to 63 characters long (RFC 1035): no empty label, no leading or trailing "."',
    ],
    ['254 characters', `${'a.'.repeat(126)}ab`, 'must be at most 253 characters long (RFC 1035)'],
    ['a label ending in "-"', 'github-.example.com', 'labels must not start or end with "-" (RFC 1123)'],
    ['a single label', 'github', 'must be a fully qualified host name, e.g. "github.example.com"'],
    [
      'a github.com subdomain',
      'api.github.com',
      'is a subdomain of github.com: repositories on GitHub.com use the host "github.com" (the default)',
    ],
    ['ghe.com itself', 'ghe.com', 'must be your enterprise\'s own subdomain of ghe.com, e.g. "octo.ghe.com"'],
    [
      'the API host of a GHE.com enterprise',
      'api.octo.ghe.com',
      'a GHE.com enterprise is served from "<subdomain>.ghe.com" itself, not from a host under it (such as api.<subdomain>.ghe.com)',
    ],
    ['an empty host', '', 'must not be empty'],
  ])('refuses %s with that rule’s message only', (_label, host, message) => {
    expect(problemsOf(withRepository({ provider: 'github', name: 'acme/app', host }))).toEqual([`${HOST}: ${message}`]);
  });

  test('a CodeCommit repository has no host', () => {
    expect(problemsOf(withRepository({ provider: 'codecommit', name: 'app', host: 'github.com' }))).toEqual([
      'services[0].repository: unknown field(s): host',
    ]);
  });

  test('one stack fetches from one GitHub Enterprise host; github.com and the same host again are fine', () => {
    const copy = structuredClone(DEFAULT_CONFIG) as any;
    const service = (name: string, host: string) => ({
      ...structuredClone(copy.services[0]),
      name,
      ecrRepository: name,
      repository: { provider: 'github', name: `acme/${name}`, host },
    });
    copy.services = [
      service('one', 'github.example.com'),
      service('two', 'github.com'),
      service('three', 'GITHUB.example.com'),
      service('four', 'octo.ghe.com'),
    ];
    expect(problemsOf(copy)).toEqual([
      'services[3].repository.host: is a second GitHub Enterprise host (another service uses "github.example.com"): CodeBuild keeps one GitHub Enterprise source credential per account and Region, so one stack fetches from one GitHub Enterprise host',
    ]);
    copy.services.pop();
    expect(problemsOf(copy)).toEqual([]);
  });
});

describe('builds fetch from the repository’s own host', () => {
  const serviceWith = (repository: Record<string, unknown>) => {
    const config = validateConfig(withRepository(repository));
    return config.services[0] as (typeof config.services)[number];
  };

  test.each([
    [{ provider: 'github', name: 'acme/app' }, 'GITHUB', 'https://github.com/acme/app.git'],
    [
      { provider: 'github', name: 'acme/app', host: 'GitHub.Example.com' },
      'GITHUB_ENTERPRISE',
      'https://github.example.com/acme/app.git',
    ],
    [
      { provider: 'github', name: 'acme/app', host: 'octo.ghe.com' },
      'GITHUB_ENTERPRISE',
      'https://octo.ghe.com/acme/app.git',
    ],
    [
      { provider: 'codecommit', name: 'app' },
      'CODECOMMIT',
      'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/app',
    ],
  ])('%j -> %s %s', (repository, sourceType, sourceLocation) => {
    const service = serviceWith(repository);
    expect(sourceOf(service, CTX)).toEqual({ sourceType, sourceLocation });
    const settings = runSettingsFor(service, service.environments[0] as (typeof service.environments)[number], CTX);
    // The stored settings pass the schema the workflow's LoadRunSettings reads them with.
    expect(runSettingsSchema.parse(settings)).toMatchObject({ sourceType, sourceLocation });
  });

  test('host kinds', () => {
    expect(['github.com', 'github.example.com', 'octo.ghe.com'].map(gitHubHostKind)).toEqual([
      'github.com',
      'server',
      'ghe.com',
    ]);
  });
});
