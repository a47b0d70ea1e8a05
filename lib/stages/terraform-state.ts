import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TOOL_VERSIONS } from '../tool-versions';

/**
 * The Terraform CLI pin and the state bucket, shared by TerraformPlan and TerraformApply. The state
 * bucket is named `<account>-<region>-terraform-state` (create it with `terraform/bootstrap`).
 */
export function terraformToolEnvironment(): Record<string, string> {
  return {
    TERRAFORM_VERSION: TOOL_VERSIONS.terraform.version,
    TERRAFORM_SHA256: TOOL_VERSIONS.terraform.sha256,
    TF_STATE_BUCKET: `${Aws.ACCOUNT_ID}-${Aws.REGION}-terraform-state`,
  };
}

/** The cdk-nag finding of the object grant on the state bucket. */
export const TERRAFORM_STATE_OBJECTS_FINDING =
  'Resource::arn:<AWS::Partition>:s3:::<AWS::AccountId>-<AWS::Region>-terraform-state/*';

/**
 * Terraform state with S3-native locking (`use_lockfile`): lets `role` list the state bucket and
 * read, write and delete its state and lock objects.
 */
export function grantTerraformState(role: iam.IRole): void {
  const stateBucket = `arn:${Aws.PARTITION}:s3:::${Aws.ACCOUNT_ID}-${Aws.REGION}-terraform-state`;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [stateBucket] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [`${stateBucket}/*`],
    }),
  );
}
