import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges individual cdk-nag findings (`AwsSolutions-IAM5[Action::kms:ReEncrypt*]`), never a
 * whole rule, so a new wildcard added later still fails synth.
 */
export function acknowledgeFindings(
  scope: IConstruct,
  rule: string,
  findings: readonly string[],
  reason: string,
): void {
  for (const finding of findings) {
    Validations.of(scope).acknowledge({ id: `${rule}[${finding}]`, reason });
  }
}

/** How cdk-nag prints a resource's logical id inside a finding: `<LogicalId>`. */
export function nagRef(element: CfnElement): string {
  return `<${Stack.of(element).resolve(element.logicalId)}>`;
}

/** How cdk-nag prints a resource's ARN attribute inside a finding: `<LogicalId.Arn>`. */
export function nagArn(resource: IConstruct): string {
  return `<${Stack.of(resource).resolve((resource.node.defaultChild as CfnElement).logicalId)}.Arn>`;
}

/** How cdk-nag prints the stack's region inside a finding. */
export function nagRegion(scope: IConstruct): string {
  const region = Stack.of(scope).region;
  return Token.isUnresolved(region) ? '<AWS::Region>' : region;
}

/** How cdk-nag prints the stack's account inside a finding (concrete when the app has credentials). */
export function nagAccount(scope: IConstruct): string {
  const account = Stack.of(scope).account;
  return Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
}

/**
 * The findings of `bucket.grantRead(role, '<prefix>/*')`: the read actions CDK grants are wildcards
 * (`s3:GetObject*`, ...) and so is the object prefix.
 */
export function acknowledgePrefixRead(
  role: IConstruct,
  bucket: IConstruct,
  prefixes: readonly string[],
  reason: string,
): void {
  const bucketArn = nagArn(bucket);
  acknowledgeFindings(
    role,
    'AwsSolutions-IAM5',
    [
      ...prefixes.map((prefix) => `Resource::${bucketArn}/${prefix}/*`),
      'Action::s3:GetObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
    ],
    reason,
  );
}
