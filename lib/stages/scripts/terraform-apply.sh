#!/usr/bin/env bash
# TerraformApply: applies exactly the plan this run's TerraformPlan saved; Terraform refuses a plan
# whose state has moved on since, so nothing unreviewed is ever applied. Then publishes the root's
# outputs for HelmDeploy (the database host, the cluster; lib/contracts/deploy-values.ts).
#
# Run from the root of the checkout (the same commit the plan was made from). Reads:
#   TF_WORK_ROOT      the absolute path the plan was made in (see terraform-plan.sh)
#   TF_DIR, TF_STATE_BUCKET, TF_STATE_KEY, AWS_REGION   as for the plan
#   PLAN_KEY          the saved plan's artifact key (TerraformPlan's output)
#   SERVICE, ENVIRONMENT   whose outputs these are
#   TF_PLUGIN_CACHE_DIR    optional: Terraform's provider plugin cache (created when missing)
#   ARTIFACTS_BUCKET or ARTIFACTS_DIR (see common.sh)
# No outputs. Writes `terraform output -json` to deploy-values/<service>/<environment>/terraform-outputs.json
# in the artifacts bucket (a stable key: app-only runs have no apply and deploy with the last one's).
#
# The apply runs in a fresh copy of the checkout at TF_WORK_ROOT, the fixed absolute path the plan
# was made in, so the plan's module paths and the provider lock file are the ones it was made with
# (Terraform's guidance for plan and apply in different builds:
# https://developer.hashicorp.com/terraform/tutorials/automation/automate-terraform).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars TF_WORK_ROOT TF_DIR TF_STATE_BUCKET TF_STATE_KEY AWS_REGION PLAN_KEY SERVICE ENVIRONMENT
case "$TF_WORK_ROOT" in /*) ;; *) echo "TF_WORK_ROOT must be an absolute path, not $TF_WORK_ROOT" >&2; exit 1 ;; esac

# Provider plugin cache: the project sets TF_PLUGIN_CACHE_DIR to a directory the build host's local
# cache keeps between builds (lib/stages/terraform-apply.ts), so `terraform init` links the providers
# the lock file names from it instead of downloading them again. Terraform needs the directory to exist
# ("the plugin cache directory must already exist", https://developer.hashicorp.com/terraform/cli/config/config-file#provider-plugin-cache).
[ -z "${TF_PLUGIN_CACHE_DIR:-}" ] || mkdir -p "$TF_PLUGIN_CACHE_DIR"

copy_source "$TF_WORK_ROOT"
cd "$TF_WORK_ROOT/$TF_DIR"
terraform init -input=false -backend-config="bucket=$TF_STATE_BUCKET" -backend-config="key=$TF_STATE_KEY" -backend-config="region=$AWS_REGION"
get_artifact "$PLAN_KEY" plan.tfplan
terraform apply -input=false -lock-timeout=5m plan.tfplan
# Assign first: `terraform output -json > file` would leave a half-written file on failure.
OUTPUTS=$(terraform output -json)
printf '%s\n' "$OUTPUTS" > terraform-outputs.json
put_artifact terraform-outputs.json "$(deploy_values_key)"
echo "published the Terraform outputs ($(jq -r 'keys | join(", ")' terraform-outputs.json)) to $(deploy_values_key)"
