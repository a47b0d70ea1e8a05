/**
 * Terraform resource types PlanGuard protects when the configuration names none: deleting or
 * replacing one of these loses data or breaks every workload at once, so the plan is blocked
 * unless someone approves it. Read by the PlanGuard construct (its `PROTECTED_RESOURCE_TYPES`
 * default) and by the PlanGuard handler when that variable is unset.
 */
export const DEFAULT_PROTECTED_TYPES: readonly string[] = [
  'aws_db_instance',
  'aws_rds_cluster',
  'aws_eks_cluster',
  'aws_kms_key',
  'aws_s3_bucket',
];
