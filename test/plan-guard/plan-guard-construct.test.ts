import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PlanGuard } from '../../lib/constructs/plan-guard';

function synth(protectedTypes?: string[]) {
  const stack = new Stack(new App(), 'Test');
  const artifactsBucket = new s3.Bucket(stack, 'Artifacts');
  const guard = new PlanGuard(stack, 'PlanGuard', {
    artifactsBucket,
    logRetention: logs.RetentionDays.ONE_MONTH,
    protectedTypes,
  });
  return { stack, guard, template: Template.fromStack(stack) };
}

describe('PlanGuard construct', () => {
  const { template, stack, guard } = synth();

  it('passes the default protected types to the function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROTECTED_RESOURCE_TYPES: 'aws_db_instance,aws_rds_cluster,aws_eks_cluster,aws_kms_key,aws_s3_bucket',
        }),
      },
    });
    expect(stack.resolve(guard.function.functionArn)).toBeDefined();
  });

  it('grants read on runs/* of the artifacts bucket and nothing to write', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } })
          .Properties.PolicyDocument.Statement,
    );
    const s3Statements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Statements.length).toBeGreaterThan(0);
    const actions = s3Statements.flatMap((s) => [s.Action].flat());
    expect(actions).toContain('s3:GetObject*');
    expect(actions.filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
    const objectResources = JSON.stringify(s3Statements.map((s) => s.Resource));
    expect(objectResources).toContain('/runs/*');
    expect(objectResources).not.toMatch(/"\/\*"/);
  });

  it('uses the given protected types', () => {
    synth(['aws_db_instance']).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PROTECTED_RESOURCE_TYPES: 'aws_db_instance' }) },
    });
  });

  it('rejects protected types that are not Terraform resource types', () => {
    expect(() => synth(['aws_db_instance', 'AWS::RDS::DBInstance'])).toThrow(/AWS::RDS::DBInstance/);
  });
});
