import {
  gitHubHostOf,
  InvalidPushPayload,
  parseGitHubPush,
  pushEventFromGitHub,
} from '../../lambdas/shared/push-event/github-push';
import { normalizePush } from '../../lambdas/shared/push-event/normalize-push';
import { routePush } from '../../lambdas/shared/push-event/route-push';
import { validateConfig } from '../../lib/config/load-config';
import type { PipelineConfigInput } from '../../lib/contracts/pipeline-config';
import { CONFIG, CONFIG_INPUT, GHES_HOST, ghesBranchPush, ghesPushExamples, normalPush, REPO } from './fixtures';

/** The test configuration plus a service on the GHES host with the same owner/repo as the github.com one. */
const WITH_GHES: PipelineConfigInput = {
  ...CONFIG_INPUT,
  services: [
    ...CONFIG_INPUT.services,
    {
      name: 'hello-ghes',
      repository: { provider: 'github', name: REPO, host: 'Octocoders.GitHub.io' },
      helm: { chart: 'app/chart', release: 'hello-ghes', namespace: 'hello' },
      ecrRepository: 'hello-ghes',
      environments: [{ name: 'dev', branch: 'master', eksCluster: 'dev', terraformDir: 'terraform/environments/dev' }],
    },
  ],
};
const CONFIG_WITH_GHES = validateConfig(WITH_GHES, 'test');

const eventOf = (payload: object, enterpriseHost?: string) =>
  pushEventFromGitHub(parseGitHubPush(payload), 'delivery-ghes', enterpriseHost);

describe('the host a push came from (issue 11, item 3)', () => {
  const examples = ghesPushExamples();

  test('GitHub’s own GHES push examples (3.1 to 3.5) all name the GHES host in repository.html_url', () => {
    expect(examples.map((e) => e.release)).toEqual([
      'ghes-31',
      'ghes-32',
      'ghes-33',
      'ghes-34',
      'ghes-34',
      'ghes-35',
      'ghes-35',
    ]);
    for (const { payload } of examples) {
      expect(gitHubHostOf(parseGitHubPush(payload))).toBe(GHES_HOST);
      expect(gitHubHostOf(parseGitHubPush(payload), GHES_HOST)).toBe(GHES_HOST);
    }
  });

  test('a github.com payload is from github.com, with or without the header GitHub.com never sends', () => {
    expect(eventOf(normalPush()).host).toBe('github.com');
    const bare = normalPush();
    delete bare.repository.html_url;
    expect(eventOf(bare).host).toBe('github.com');
    // Without html_url the header is all there is to go by.
    expect(eventOf(bare, 'GHE.Example.com').host).toBe('ghe.example.com');
  });

  test('a header that names another host than the signed payload is refused, not guessed between', () => {
    expect(() => eventOf(ghesBranchPush(), 'github.com')).toThrow(
      new InvalidPushPayload(
        'X-GitHub-Enterprise-Host "github.com" does not match the host of repository.html_url (octocoders.github.io)',
      ),
    );
    const odd = normalPush();
    odd.repository.html_url = 'not a url';
    expect(() => eventOf(odd)).toThrow('repository.html_url: must be an http(s) URL');
  });
});

describe('routing by host and owner/repo', () => {
  test.each(ghesPushExamples().map((e) => [e.release, e.payload] as const))(
    'GHES %s example for Codertocat/Hello-World, configured only on github.com: unknown repository host',
    (_release, payload) => {
      expect(normalizePush(eventOf(payload, GHES_HOST), CONFIG)).toEqual({
        kind: 'ignored',
        reason: 'unknown-repository-host',
        detail:
          'unknown repository host octocoders.github.io: no service is configured on it (configured GitHub hosts: github.com)',
      });
    },
  );

  test('a branch push from the GHES host with the github.com repository’s name starts nothing', () => {
    expect(normalizePush(eventOf(ghesBranchPush(), GHES_HOST), CONFIG)).toMatchObject({
      kind: 'ignored',
      reason: 'unknown-repository-host',
    });
  });

  test('with the GHES host configured, its push starts only the GHES service, and github.com’s only the others', () => {
    const ghes = normalizePush(eventOf(ghesBranchPush(), GHES_HOST), CONFIG_WITH_GHES);
    expect(ghes.kind === 'start' && ghes.executions.map((e) => `${e.service}/${e.environment}`)).toEqual([
      'hello-ghes/dev',
    ]);
    expect(ghes.kind === 'start' && ghes.executions[0]?.input.source.url).toBe(
      `https://${GHES_HOST}/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246`,
    );
    const dotcom = normalizePush(eventOf(normalPush()), CONFIG_WITH_GHES);
    expect(dotcom.kind === 'start' && dotcom.executions.map((e) => `${e.service}/${e.environment}`)).toEqual([
      'hello/dev',
      'hello/prod',
    ]);
  });

  test('a repository unknown on a configured host says so, and where else it is configured', () => {
    const ref = 'refs/heads/master';
    expect(routePush(CONFIG_WITH_GHES, { provider: 'github', host: GHES_HOST, repository: 'acme/other', ref })).toEqual(
      {
        kind: 'ignored',
        reason: 'unknown-repository',
        detail: 'no service is configured for github repository acme/other on octocoders.github.io',
      },
    );
    // Only another repository is configured on the GHES host; Codertocat/Hello-World is on github.com.
    const ghesService = {
      ...(WITH_GHES.services[3] as object),
      repository: { provider: 'github', name: 'acme/app', host: GHES_HOST },
    };
    const config = validateConfig(
      { ...CONFIG_INPUT, services: [...CONFIG_INPUT.services, ghesService] } as PipelineConfigInput,
      'test',
    );
    expect(routePush(config, { provider: 'github', host: GHES_HOST, repository: REPO, ref })).toEqual({
      kind: 'ignored',
      reason: 'unknown-repository',
      detail: `no service is configured for github repository ${REPO} on octocoders.github.io (it is configured on github.com)`,
    });
  });

  test('a tag from an unknown host is an unknown host before it is a tag', () => {
    const tag = ghesPushExamples()[0]?.payload as object;
    expect(normalizePush(eventOf(tag), CONFIG)).toMatchObject({ reason: 'unknown-repository-host' });
  });
});
