import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../lib/config/default-config';
import { ConfigError, validateConfig } from '../../lib/config/load-config';
import { DEFAULT_BUILD_COMPUTE } from '../../lib/contracts/pipeline-config';
import {
  billedBuildMinutes,
  type CostHistoryEvent,
  codeBuildEnvironmentOf,
  computeTypeOf,
  DEFAULT_PRICING,
  formatUsd,
  pricingSchema,
  runCostFromHistory,
} from '../../lib/contracts/pricing';

/** A recorded-shape history of a full run (test/fixtures/cost): one state per stage, with execution data. */
const fullRun = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'cost', 'history-full-run.json'), 'utf8'))
  .events as CostHistoryEvent[];

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

describe('runCostFromHistory', () => {
  test('prices transitions, each build by its compute type and the functions of a full run', () => {
    const cost = runCostFromHistory(fullRun);
    expect(cost.lines.map((l) => [l.kind, l.item, l.usd])).toEqual([
      ['transitions', '11 state transitions', 0.000275],
      // Build times from Build.StartTime/EndTime: 180 s, 60 s, 177 s, 116 s, 90 s.
      ['codebuild', 'RunTests: 3 min on ec2-small', 0.015],
      ['codebuild', 'TerraformPlan: 1 min on lambda-2gb', 0.00225],
      ['codebuild', 'BuildImage: 3 min on ec2-small', 0.015],
      ['codebuild', 'TerraformApply: 2 min on ec2-small', 0.01],
      ['codebuild', 'HelmDeploy: 1.5 min on lambda-2gb', 0.003375],
      // Four invocations timed (1.5 s at 512 MB), the callback counted as a request only.
      ['lambda', '5 invocations, 0.75 GB-s', 0.000011],
    ]);
    expect(cost.total).toBeCloseTo(0.045911, 6);
    expect(formatUsd(cost.total)).toBe('$0.05');
  });

  test('overridden prices change the figures', () => {
    const pricing = pricingSchema.parse({ stepFunctionsTransition: 0.001, codeBuildMinute: { 'ec2-small': 0.1 } });
    const cost = runCostFromHistory(fullRun, { pricing });
    expect(cost.lines[0]?.usd).toBeCloseTo(0.011, 6);
    expect(cost.lines.find((l) => l.item.startsWith('RunTests'))?.usd).toBeCloseTo(0.3, 6);
    // Unlisted compute types keep the default price.
    expect(pricing.codeBuildMinute['lambda-2gb']).toBe(DEFAULT_PRICING.codeBuildMinute['lambda-2gb']);
  });

  test('a failed build is priced from the cause; an unknown compute type as ec2-small, and said so', () => {
    const failedAt = (compute: string) => {
      const build = {
        Build: { Environment: { Type: 'LINUX_CONTAINER', ComputeType: compute }, StartTime: 1000, EndTime: 1130 },
      };
      return [
        { id: 1, type: 'TaskStateEntered', timestamp: 0, stateEnteredEventDetails: { name: 'HelmDeploy' } },
        {
          id: 2,
          previousEventId: 1,
          type: 'TaskScheduled',
          timestamp: 0,
          taskScheduledEventDetails: { resourceType: 'codebuild', resource: 'startBuild.sync' },
        },
        { id: 3, previousEventId: 2, type: 'TaskStarted', timestamp: 10 },
        {
          id: 4,
          previousEventId: 3,
          type: 'TaskFailed',
          timestamp: 140_000,
          taskFailedEventDetails: {
            resourceType: 'codebuild',
            resource: 'startBuild.sync',
            cause: JSON.stringify(build),
          },
        },
      ] satisfies CostHistoryEvent[];
    };
    expect(runCostFromHistory(failedAt('BUILD_GENERAL1_MEDIUM')).lines[1]).toEqual({
      kind: 'codebuild',
      item: 'HelmDeploy: 3 min on ec2-medium',
      quantity: 3,
      usd: 0.03,
    });
    expect(runCostFromHistory(failedAt('BUILD_GENERAL1_XLARGE')).lines[1]?.item).toBe(
      'HelmDeploy: 3 min on BUILD_GENERAL1_XLARGE (priced as ec2-small)',
    );
  });

  test('pendingTransitions prices states the run has not entered yet; a wrong count is refused', () => {
    const cost = runCostFromHistory(fullRun, { pendingTransitions: 2 });
    expect(cost.lines[0]).toEqual({
      kind: 'transitions',
      item: '13 state transitions (11 so far + 2 ending)',
      quantity: 13,
      usd: 0.000325,
    });
    expect(cost.total).toBeCloseTo(runCostFromHistory(fullRun).total + 2 * 0.000025, 6);
    expect(() => runCostFromHistory(fullRun, { pendingTransitions: -1 })).toThrow(
      'pendingTransitions must be a whole number, zero or more, got -1',
    );
    expect(() => runCostFromHistory(fullRun, { pendingTransitions: 1.5 })).toThrow(RangeError);
  });

  test('a build still running adds nothing; an empty history costs nothing', () => {
    expect(runCostFromHistory(fullRun.filter((e) => e.id < 8)).lines.map((l) => l.kind)).toEqual([
      'transitions',
      'lambda',
    ]);
    expect(runCostFromHistory([])).toEqual({
      total: 0,
      lines: [{ kind: 'transitions', item: '0 state transitions', quantity: 0, usd: 0 }],
    });
  });

  test('billing units: EC2 per started minute, Lambda compute per started second', () => {
    expect(billedBuildMinutes('ec2-small', 0.5)).toBe(1);
    expect(billedBuildMinutes('ec2-small', 61)).toBe(2);
    expect(billedBuildMinutes('lambda-1gb', 61.2)).toBeCloseTo(62 / 60, 9);
  });

  test('compute names map to CodeBuild environments and back', () => {
    expect(codeBuildEnvironmentOf('arm-lambda-4gb')).toEqual({
      type: 'ARM_LAMBDA_CONTAINER',
      computeType: 'BUILD_LAMBDA_4GB',
    });
    expect(codeBuildEnvironmentOf('arm-large')).toEqual({ type: 'ARM_CONTAINER', computeType: 'BUILD_GENERAL1_LARGE' });
    expect(computeTypeOf('ARM_CONTAINER', 'BUILD_GENERAL1_SMALL')).toBe('arm-small');
    expect(computeTypeOf(undefined, 'BUILD_LAMBDA_2GB')).toBe('lambda-2gb');
  });

  test('formatUsd', () => {
    expect([0, 0.00004, 0.0031, 0.0449, 1.5].map(formatUsd)).toEqual([
      '$0.00',
      '<$0.0001',
      '$0.0031',
      '$0.04',
      '$1.50',
    ]);
  });
});

describe('configuration: build.compute and pricing', () => {
  test('defaults fill in every stage and the price table', () => {
    const config = validateConfig(DEFAULT_CONFIG);
    expect(config.build.compute).toEqual(DEFAULT_BUILD_COMPUTE);
    expect(config.pricing.stepFunctionsTransition).toBe(0.000025);
  });

  test('one stage overridden, the rest default', () => {
    const config = validateConfig(variant((c) => (c.build = { compute: { RunTests: 'arm-medium' } })));
    expect(config.build.compute).toEqual({ ...DEFAULT_BUILD_COMPUTE, RunTests: 'arm-medium' });
  });

  test.each([
    [
      'BuildImage on Lambda compute',
      (c: any) => (c.build = { compute: { BuildImage: 'lambda-4gb' } }),
      'build.compute.BuildImage',
    ],
    ['an unknown stage', (c: any) => (c.build = { compute: { Deploy: 'ec2-small' } }), 'build.compute'],
    [
      'an unknown compute type',
      (c: any) => (c.build = { compute: { RunTests: 'ec2-huge' } }),
      'build.compute.RunTests',
    ],
    ['a negative price', (c: any) => (c.pricing = { lambdaRequest: -1 }), 'pricing.lambdaRequest'],
    ['an unknown price', (c: any) => (c.pricing = { ec2: 1 }), 'pricing'],
  ])('%s is refused, naming the field', (_, change, path) => {
    const problems = problemsOf(variant(change));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(path);
  });
});
