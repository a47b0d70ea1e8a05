#!/usr/bin/env bash
# TerraformPlan: plans the environment's Terraform against its locked S3 state and stores the saved
# plan (applied later, exactly as planned, by terraform-apply.sh) and its JSON (read by the plan
# guard and the notifications).
#
# Run from the root of the checkout. Reads:
#   TF_WORK_ROOT      absolute path the plan is made in; terraform-apply.sh must use the same one
#   TF_DIR            the environment's root module, relative to the checkout
#   TF_STATE_BUCKET, TF_STATE_KEY, AWS_REGION   the S3 backend (state with an S3 lock file)
#   RUN_PREFIX        artifact key prefix of the run (runs/<execution>/)
#   ARTIFACTS_BUCKET or ARTIFACTS_DIR, STAGE_OUTPUT_FILE (see common.sh)
#   TF_VAR_*          the Terraform variables; the apply gets the same (the plan fixes them)
# Outputs: PLAN_KEY, PLAN_JSON_KEY, PLAN_HAS_CHANGES (true/false).
#
# The plan is made in a copy of the checkout at TF_WORK_ROOT: CodeBuild checks each build out under
# a different directory, and Terraform's guidance for planning and applying on different machines is
# to apply from the same absolute path
# (https://developer.hashicorp.com/terraform/tutorials/automation/automate-terraform). The whole
# checkout is copied, so relative module paths (../../modules) resolve as in the repository.
# Extra `terraform init` arguments (a local run's backend endpoint) come the standard way, through
# TF_CLI_ARGS_init.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars TF_WORK_ROOT TF_DIR TF_STATE_BUCKET TF_STATE_KEY AWS_REGION RUN_PREFIX

copy_source "$TF_WORK_ROOT"
cd "$TF_WORK_ROOT/$TF_DIR"
terraform init -input=false -backend-config="bucket=$TF_STATE_BUCKET" -backend-config="key=$TF_STATE_KEY" -backend-config="region=$AWS_REGION"
# -detailed-exitcode: 0 = no changes, 2 = changes, 1 = error.
code=0
terraform plan -input=false -lock-timeout=5m -detailed-exitcode -out=plan.tfplan || code=$?
[ "$code" -ne 1 ] || exit 1
terraform show -json plan.tfplan > plan.json
put_artifact plan.tfplan "${RUN_PREFIX}terraform/plan.tfplan"
put_artifact plan.json "${RUN_PREFIX}terraform/plan.json"
stage_output PLAN_KEY "${RUN_PREFIX}terraform/plan.tfplan"
stage_output PLAN_JSON_KEY "${RUN_PREFIX}terraform/plan.json"
if [ "$code" -eq 2 ]; then stage_output PLAN_HAS_CHANGES true; else stage_output PLAN_HAS_CHANGES false; fi
