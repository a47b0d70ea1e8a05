import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeFindings } from '../nag/acknowledge';

/** Services the Terraform modules manage (VPC, EKS, RDS, ECR, IAM, CloudWatch and their dependencies). */
const BOUNDARY_SERVICES = [
  'autoscaling',
  'cloudwatch',
  'codecommit',
  'ec2',
  'ec2messages',
  'ecr',
  'eks',
  'elasticloadbalancing',
  'events',
  'iam',
  'kms',
  'logs',
  'rds',
  's3',
  'secretsmanager',
  'sns',
  'ssm',
  'ssmmessages',
  'xray',
] as const;

export interface TerraformApplyRoleProps {
  /** Name of the one CodeBuild project allowed to assume the role. */
  readonly projectName: string;
}

/**
 * The only broad role in the stack. Terraform apply creates VPCs, EKS clusters, RDS instances and
 * IAM roles, so it needs wide permissions; they are fenced three ways:
 * - trust: only the terraform-apply CodeBuild project of this account may assume it;
 * - a permissions boundary that denies what no infrastructure change needs (IAM users, groups and
 *   access keys, commands on hosts, removing or editing boundaries) and forces every role Terraform
 *   creates to carry the same boundary, so it cannot mint a broader role (the Terraform modules set
 *   it from `TF_VAR_permissions_boundary_arn`);
 * - the boundary also protects this stack's roles and the CDK bootstrap roles from Terraform.
 */
export class TerraformApplyRole extends Construct {
  readonly role: iam.Role;
  readonly boundary: iam.ManagedPolicy;
  /** Known before deployment, so builds can pass it to Terraform without a dependency cycle. */
  readonly boundaryArn: string;

  constructor(scope: Construct, id: string, props: TerraformApplyRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const boundaryName = `${stack.stackName}-terraform-apply-boundary`;
    const boundaryArn = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:policy/${boundaryName}`;
    this.boundaryArn = boundaryArn;
    const projectArn = `arn:${Aws.PARTITION}:codebuild:${Aws.REGION}:${Aws.ACCOUNT_ID}:project/${props.projectName}`;

    this.boundary = new iam.ManagedPolicy(this, 'Boundary', {
      managedPolicyName: boundaryName,
      description: 'Upper bound for the Terraform apply role and every role it creates',
      statements: [
        new iam.PolicyStatement({
          sid: 'AllowInfrastructureServices',
          actions: [...BOUNDARY_SERVICES.map((svc) => `${svc}:*`), 'sts:GetCallerIdentity'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DenyLongLivedCredentials',
          effect: iam.Effect.DENY,
          actions: ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DenyRemovingBoundaries',
          effect: iam.Effect.DENY,
          // These act on the role or user, so they are denied everywhere.
          actions: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DenyEditingTheBoundary',
          effect: iam.Effect.DENY,
          actions: [
            'iam:CreatePolicyVersion',
            'iam:DeletePolicy',
            'iam:DeletePolicyVersion',
            'iam:SetDefaultPolicyVersion',
          ],
          resources: [boundaryArn],
        }),
        new iam.PolicyStatement({
          sid: 'DenyUserAndGroupChanges',
          effect: iam.Effect.DENY,
          notActions: ['iam:Get*', 'iam:List*'],
          resources: [
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:user/*`,
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:group/*`,
          ],
        }),
        new iam.PolicyStatement({
          sid: 'DenyRunningCommandsOnHosts',
          effect: iam.Effect.DENY,
          actions: ['ssm:SendCommand', 'ssm:StartSession', 'ssm:StartAutomationExecution'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DenyRolesWithoutThisBoundary',
          effect: iam.Effect.DENY,
          actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
          resources: ['*'],
          conditions: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn } },
        }),
        new iam.PolicyStatement({
          sid: 'DenyChangingThePipelineAndDeploymentRoles',
          effect: iam.Effect.DENY,
          notActions: ['iam:Get*', 'iam:List*'],
          // This stack's roles and the CDK bootstrap roles (which can deploy anything).
          resources: [
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${stack.stackName}-*`,
            `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-*`,
          ],
        }),
      ],
    });

    this.role = new iam.Role(this, 'Role', {
      description: 'Assumed only by the terraform-apply build to apply a reviewed plan',
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': projectArn },
        },
      }),
      permissionsBoundary: this.boundary,
    });
    // Effective permissions are the intersection with the boundary above.
    this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('PowerUserAccess'));
    this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('IAMFullAccess'));

    acknowledgeFindings(
      this.role,
      'AwsSolutions-IAM4',
      ['PowerUserAccess', 'IAMFullAccess'].map((p) => `Policy::arn:<AWS::Partition>:iam::aws:policy/${p}`),
      'Terraform creates VPC, EKS, RDS and IAM resources; effective permissions are cut down by the permissions boundary.',
    );
    acknowledgeFindings(
      this.boundary,
      'AwsSolutions-IAM5',
      ['Resource::*', ...BOUNDARY_SERVICES.map((svc) => `Action::${svc}:*`)],
      'A permissions boundary is an upper bound over the services Terraform manages; its deny statements do the fencing.',
    );
  }
}
