import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { COVERAGE_GATE_DEFAULT_MEMORY_MB, CoverageGate } from '../../lib/constructs/coverage-gate';

describe('CoverageGate construct', () => {
  const app = new App();
  const stack = new Stack(app, 'Gate', { env: { account: '123456789012', region: 'eu-west-1' } });
  const bucket = new s3.Bucket(stack, 'Artifacts');
  new CoverageGate(stack, 'CoverageGate', {
    artifactsBucket: bucket,
    logRetention: logs.RetentionDays.ONE_MONTH,
    reportGroupNamePrefix: 'deploy-tests',
  });
  const template = Template.fromStack(stack);

  it('bundles lambdas/coverage-gate with the benchmarked memory', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      MemorySize: COVERAGE_GATE_DEFAULT_MEMORY_MB,
      Architectures: ['arm64'],
    });
  });

  it('reads only runs/* and baselines/*, and BatchGetReports on prefixed report groups', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
    );
    const text = JSON.stringify(statements);
    expect(text).toContain('/runs/*');
    expect(text).toContain('/baselines/*');
    expect(text).not.toMatch(/s3:(Put|Delete)/);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'codebuild:BatchGetReports',
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([
                  Match.stringLikeRegexp(':codebuild:eu-west-1:123456789012:report-group/deploy-tests\\*'),
                ]),
              ],
            },
          }),
        ]),
      },
    });
  });

  it('refuses a prefix that would widen the grant', () => {
    expect(
      () =>
        new CoverageGate(new Stack(app, 'Bad'), 'G', {
          artifactsBucket: bucket,
          logRetention: logs.RetentionDays.ONE_DAY,
          reportGroupNamePrefix: '*',
        }),
    ).toThrow(/reportGroupNamePrefix/);
  });
});
