import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_PROTECTED_TYPES } from '../contracts/plan-guard-policy';
import { acknowledgePrefixRead } from '../nag/acknowledge';
import { PipelineFunction } from './pipeline-function';

export interface PlanGuardProps {
  /** Bucket the TerraformPlan build uploads `runs/<execution>/plan.json` to. */
  readonly artifactsBucket: s3.IBucket;
  /** Days the function's log group keeps logs. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Resource types whose deletion or replacement is blocked unless approved.
   * @default aws_db_instance, aws_rds_cluster, aws_eks_cluster, aws_kms_key, aws_s3_bucket
   */
  readonly protectedTypes?: string[];
}

/** The PlanGuard step: reads the saved plan's JSON and blocks destructive changes to protected resources. */
export class PlanGuard extends Construct {
  readonly function: PipelineFunction;

  constructor(scope: Construct, id: string, props: PlanGuardProps) {
    super(scope, id);
    const protectedTypes = props.protectedTypes ?? [...DEFAULT_PROTECTED_TYPES];
    if (protectedTypes.some((t) => !/^[a-z][a-z0-9_]*$/.test(t))) {
      throw new Error(
        `PlanGuard protectedTypes must be Terraform resource types such as aws_db_instance: ${protectedTypes.join(', ')}`,
      );
    }
    this.function = new PipelineFunction(this, 'Function', {
      handlerDir: 'plan-guard',
      description: 'Counts the Terraform plan and blocks deletion or replacement of protected resources',
      logRetention: props.logRetention,
      environment: { PROTECTED_RESOURCE_TYPES: protectedTypes.join(',') },
    });
    // Plans live under runs/; nothing else in the bucket is the guard's business.
    props.artifactsBucket.grantRead(this.function, 'runs/*');
    acknowledgePrefixRead(
      this.function.role as IConstruct,
      props.artifactsBucket,
      ['runs'],
      'Reads this run’s plan JSON only.',
    );
  }
}
