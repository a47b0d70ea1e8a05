#!/usr/bin/env bash
# TerraformApply: applies exactly the plan this run's TerraformPlan saved; Terraform refuses a plan
# whose state has moved on since, so nothing unreviewed is ever applied.
#
# Run from the root of the checkout (the same commit the plan was made from). Reads:
#   TF_WORK_ROOT      the absolute path the plan was made in (see terraform-plan.sh)
#   TF_DIR, TF_STATE_BUCKET, TF_STATE_KEY, AWS_REGION   as for the plan
#   PLAN_KEY          the saved plan's artifact key (TerraformPlan's output)
#   ARTIFACTS_BUCKET or ARTIFACTS_DIR (see common.sh)
# No outputs.
#
# The apply runs in a fresh copy of the checkout at TF_WORK_ROOT, so the plan's module paths and the
# provider lock file are the ones it was made with.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars TF_WORK_ROOT TF_DIR TF_STATE_BUCKET TF_STATE_KEY AWS_REGION PLAN_KEY

copy_source "$TF_WORK_ROOT"
cd "$TF_WORK_ROOT/$TF_DIR"
terraform init -input=false -backend-config="bucket=$TF_STATE_BUCKET" -backend-config="key=$TF_STATE_KEY" -backend-config="region=$AWS_REGION"
get_artifact "$PLAN_KEY" plan.tfplan
terraform apply -input=false -lock-timeout=5m plan.tfplan
