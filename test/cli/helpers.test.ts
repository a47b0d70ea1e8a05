import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { executionName } from '../../lambdas/shared/execution-name';
import { RefusedError, UsageError } from '../../lib/cli/cli-errors';
import { errorLine } from '../../lib/cli/error-line';
import { executionNameParts, nameMayMatch } from '../../lib/cli/execution-name-parts';
import { DEFAULT_STACK_NAME } from '../../lib/cli/installation';
import { cacheDir } from '../../lib/cli/installation-cache';
import { mapLimit } from '../../lib/cli/map-limit';
import { colourEnabled } from '../../lib/cli/output-style';
import { formatDuration, formatInstant } from '../../lib/cli/time-format';
import { executionConsoleUrl } from '../../lib/contracts/pipeline-event';
import { REPO_ROOT } from './support/run-deployctl';

describe('the default stack name', () => {
  it('is the one bin/app.ts deploys without -c stackName', () => {
    const app = readFileSync(join(REPO_ROOT, 'bin', 'app.ts'), 'utf8');
    expect(app).toContain(`tryGetContext('stackName') as string | undefined) ?? '${DEFAULT_STACK_NAME}'`);
  });
});

describe('cacheDir: the user cache directory of each platform', () => {
  it.each([
    ['linux', {}, '/home/u/.cache/deployctl'],
    ['linux', { XDG_CACHE_HOME: '/xdg' }, '/xdg/deployctl'],
    ['darwin', {}, '/home/u/Library/Caches/deployctl'],
    [
      'win32',
      { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' },
      join('C:\\Users\\u\\AppData\\Local', 'deployctl', 'Cache'),
    ],
    ['linux', { DEPLOYCTL_CACHE_DIR: '/tmp/x' }, '/tmp/x'],
  ] as const)('%s %j', (platform, env, expected) => {
    expect(cacheDir(env, platform, '/home/u')).toBe(expected);
  });
});

describe('colour only on a terminal and never with NO_COLOR (no-color.org)', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [undefined, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: 'false' }, false],
    [true, { NO_COLOR: '' }, true],
  ] as const)('isTTY %s, env %j → %s', (isTTY, env, expected) => {
    expect(colourEnabled({ isTTY }, env)).toBe(expected);
  });
});

describe('time formatting', () => {
  it('UTC with --utc, the zone offset otherwise (TZ of the process)', () => {
    const date = new Date('2025-06-03T09:00:01.500Z');
    expect(formatInstant(date, { utc: true })).toBe('2025-06-03 09:00:01 UTC');
    expect(formatInstant(date)).toMatch(/^2025-06-0[23] \d\d:\d\d:01 [+-]\d\d:\d\d$/);
  });

  it.each([
    [null, '-'],
    [-1, '-'],
    [0.4, '0s'],
    [59.9, '59s'],
    [60, '1m 00s'],
    [372.37, '6m 12s'],
    [3600, '1h 00m 00s'],
    [10800, '3h 00m 00s'],
  ])('formatDuration(%p) = %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('execution names: the cheap filter never drops a matching run', () => {
  const services = ['orders-api', 'a1', 'billing-events-processor-service', 'x'.repeat(32)];
  const environments = ['dev', 'prod', 'eu-central-staging', 'e'.repeat(32)];

  it('the name of every service and environment passes its own filter, and not another environment', () => {
    for (const service of services) {
      for (const environment of environments) {
        const name = executionName({
          service,
          environment,
          commit: 'ab'.repeat(20),
          deliveryId: `${service}/${environment}`,
        });
        expect(executionNameParts(name)).not.toBeNull();
        expect(nameMayMatch(name, { service, environment })).toBe(true);
        expect(nameMayMatch(name, { service })).toBe(true);
        expect(nameMayMatch(name, { environment })).toBe(true);
        expect(nameMayMatch(name, { environment: 'qa' })).toBe(false);
        if (name.length < 80)
          expect(nameMayMatch(name, { service: 'orders-ap', environment })).toBe(service === 'orders-ap');
      }
    }
  });

  it('names the pipeline did not make pass (their input decides)', () => {
    expect(nameMayMatch('adhoc-smoke-test', { service: 'orders-api', environment: 'prod' })).toBe(true);
  });
});

describe('mapLimit', () => {
  it('keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

describe('errorLine: one line a person can act on, and the exit code', () => {
  const aws = (name: string, message: string, status = 400) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it.each([
    [new UsageError('bad\nthing'), 'bad thing', 2],
    [new Error('Unexpected token\n  in JSON at position 3'), 'Unexpected token in JSON at position 3', 2],
    [new RefusedError('no'), 'no', 1],
    [
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^no usable AWS credentials \(Could not load credentials from any providers\): /,
      2,
    ],
    [
      aws('ExpiredTokenException', 'The security token included in the request is expired'),
      /^no usable AWS credentials/,
      2,
    ],
    [
      new Error('Region is missing'),
      'no AWS region: pass --region, set AWS_REGION, or set "region" in your AWS profile',
      2,
    ],
    [
      aws('AccessDeniedException', 'User: x is not authorized to perform: states:ListExecutions'),
      'access denied by AWS: User: x is not authorized to perform: states:ListExecutions',
      2,
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'cannot reach AWS (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1',
      2,
    ],
    [aws('ThrottlingException', 'Rate exceeded'), 'AWS error ThrottlingException (HTTP 400): Rate exceeded', 2],
  ])('%s', (err, line, code) => {
    const out = errorLine(err);
    expect(out.code).toBe(code);
    if (typeof line === 'string') expect(out.line).toBe(line);
    else expect(out.line).toMatch(line);
    expect(out.line).not.toContain('\n');
  });

  it("keeps a file's list of problems one a line under its first line", () => {
    const err = new UsageError(
      'invalid scan policy p.json:\n  - maxCounts.HIGH: must be 0 or more\n  - onlyFixable: expected boolean',
    );
    expect(errorLine(err)).toEqual({
      line: 'invalid scan policy p.json:\n  - maxCounts.HIGH: must be 0 or more\n  - onlyFixable: expected boolean',
      code: 2,
    });
  });
});

describe('console links', () => {
  it.each([
    ['aws', 'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/'],
    ['aws-cn', 'https://eu-west-1.console.amazonaws.cn/states/home?region=eu-west-1#/v2/executions/details/'],
  ])('%s partition', (partition, prefix) => {
    const arn = `arn:${partition}:states:eu-west-1:123456789012:execution:machine:run-1`;
    expect(executionConsoleUrl(arn)).toBe(`${prefix}${arn}`);
  });

  it('none for an unknown partition or something that is not an execution ARN', () => {
    expect(executionConsoleUrl('arn:aws-iso:states:us-iso-east-1:123456789012:execution:m:n')).toBeNull();
    expect(executionConsoleUrl('not-an-arn')).toBeNull();
  });
});
