#!/usr/bin/env bash
# HelmRollback: rolls a release back to the revision that ran before this run's deploy.
#
# Run from the root of the checkout. Reads:
#   EKS_CLUSTER, AWS_REGION   the cluster (kubeconfig from `aws eks update-kubeconfig`)
#   RELEASE, NAMESPACE        the Helm release and its namespace
#   TARGET_REVISION   the revision to return to (HelmDeploy's PREVIOUS_REVISION); 0 = none
# No outputs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars EKS_CLUSTER AWS_REGION RELEASE NAMESPACE

[ "${TARGET_REVISION:-0}" -gt 0 ] || { echo "no earlier revision to roll back to" >&2; exit 1; }
aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION"
helm rollback "$RELEASE" "$TARGET_REVISION" --namespace "$NAMESPACE" --wait --timeout 10m
