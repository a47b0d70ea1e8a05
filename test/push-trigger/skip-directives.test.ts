import { parseGitHubPush, pushEventFromGitHub } from '../../lambdas/shared/push-event/github-push';
import { normalizePush } from '../../lambdas/shared/push-event/normalize-push';
import { DEFAULT_SKIP_DIRECTIVES, skipDirectiveOf } from '../../lambdas/shared/push-event/skip-ci';
import { ConfigError, validateConfig } from '../../lib/config/load-config';
import type { PipelineConfigInput } from '../../lib/contracts/pipeline-config';
import { CONFIG, CONFIG_INPUT, normalPush } from './fixtures';

const withSkip = (skipDirectives: unknown) =>
  validateConfig({ ...CONFIG_INPUT, skipDirectives } as PipelineConfigInput, 'test');

const decide = (message: string, config = CONFIG) =>
  normalizePush(
    pushEventFromGitHub(parseGitHubPush(normalPush({ commits: [{ message, modified: ['app/a.ts'] }] })), 'd-1'),
    config,
  );

function problemsOf(skipDirectives: unknown): readonly string[] {
  try {
    withSkip(skipDirectives);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('skip directives are configurable (issue 11, item 7)', () => {
  test('the default is today’s set: GitHub Actions’ five markers and the skip-checks trailer', () => {
    expect(CONFIG.skipDirectives).toEqual({
      markers: ['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]'],
      skipChecksTrailer: true,
    });
    expect(CONFIG.skipDirectives).toEqual(DEFAULT_SKIP_DIRECTIVES);
  });

  test('configured markers replace the default ones, match in any case and are reported as written', () => {
    const config = withSkip({ markers: ['[deploy skip]', 'NO-DEPLOY'] });
    expect(decide('docs only [Deploy Skip]', config)).toMatchObject({
      kind: 'ignored',
      reason: 'skip-ci',
      detail: 'head commit message contains [deploy skip]',
    });
    expect(decide('hotfix, no-deploy please', config)).toMatchObject({
      detail: 'head commit message contains NO-DEPLOY',
    });
    // Markers left out of the set no longer skip; the trailer still does (its default is kept).
    expect(decide('docs [skip ci]', config)).toMatchObject({ kind: 'start' });
    expect(decide('docs\n\nskip-checks: true', config)).toMatchObject({ reason: 'skip-ci' });
  });

  test('no markers and no trailer: nothing skips', () => {
    const config = withSkip({ markers: [], skipChecksTrailer: false });
    expect(decide('docs [skip ci]', config)).toMatchObject({ kind: 'start' });
    expect(decide('docs\n\nskip-checks: true', config)).toMatchObject({ kind: 'start' });
    expect(skipDirectiveOf('docs\n\nskip-checks: true', config.skipDirectives)).toBeUndefined();
  });

  test('the trailer alone can be turned off, keeping the markers', () => {
    const config = withSkip({ skipChecksTrailer: false });
    expect(config.skipDirectives.markers).toHaveLength(5);
    expect(decide('docs\n\nskip-checks: true', config)).toMatchObject({ kind: 'start' });
    expect(decide('docs [no ci]', config)).toMatchObject({ reason: 'skip-ci' });
  });

  test.each([
    ['an empty marker', { markers: [''] }, ['skipDirectives.markers[0]: must not be empty']],
    [
      'a blank marker',
      { markers: ['[skip ci]', '   '] },
      ['skipDirectives.markers[1]: must contain a non-space character: a blank marker would skip every push'],
    ],
    ['a marker over two lines', { markers: ['[skip\nci]'] }, ['skipDirectives.markers[0]: must be on one line']],
    [
      'the same marker in another case',
      { markers: ['[skip ci]', '[SKIP CI]'] },
      ['skipDirectives.markers[1]: repeats "[skip ci]" (markers match in any case)'],
    ],
    ['a misspelt field', { marker: ['x'] }, ['skipDirectives: unknown field(s): marker']],
    [
      'a trailer switch that is not a boolean',
      { skipChecksTrailer: 'yes' },
      ['skipDirectives.skipChecksTrailer: Invalid input: expected boolean, received string'],
    ],
  ])('refuses %s', (_label, skipDirectives, expected) => {
    expect(problemsOf(skipDirectives)).toEqual(expected);
  });
});
