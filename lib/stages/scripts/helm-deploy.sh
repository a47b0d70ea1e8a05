#!/usr/bin/env bash
# HelmDeploy: deploys the image by digest with Helm and waits for the rollout. The release's revision
# before the deploy is recorded first, so a failed deploy can be rolled back to exactly what ran.
#
# Run from the root of the checkout. Reads:
#   EKS_CLUSTER, AWS_REGION   the cluster (kubeconfig from `aws eks update-kubeconfig`)
#   CHART             the chart directory, relative to the checkout
#   VALUES_FILE       the environment's values file, relative to the chart (empty: chart defaults)
#   RELEASE, NAMESPACE        the Helm release and its namespace
#   IMAGE_REPOSITORY, IMAGE_DIGEST   the image to deploy
#   STAGE_OUTPUT_FILE (see common.sh)
# Outputs: PREVIOUS_REVISION (0 = no release yet), HELM_REVISION.
#
# The namespace exists already: a cluster admin creates it once (the deploy role's access is
# namespace-scoped). `--wait` covers the rollout: Helm waits until the Deployment's new pods are ready.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars EKS_CLUSTER AWS_REGION CHART RELEASE NAMESPACE IMAGE_REPOSITORY IMAGE_DIGEST

CHART_DIR="$PWD/$CHART"
aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION"
# Assign, then record: `X=$(a | b)` alone would hide a failure of `a` without pipefail.
PREVIOUS_REVISION=$( (helm history "$RELEASE" -n "$NAMESPACE" --max 1 -o json 2> /dev/null || echo '[]') | jq -r '.[0].revision // 0')
stage_output PREVIOUS_REVISION "$PREVIOUS_REVISION"
helm upgrade --install "$RELEASE" "$CHART_DIR" --namespace "$NAMESPACE" ${VALUES_FILE:+--values "$CHART_DIR/$VALUES_FILE"} \
  --set image.repository="$IMAGE_REPOSITORY" --set image.digest="$IMAGE_DIGEST" --wait --timeout 10m
HELM_REVISION=$(helm history "$RELEASE" -n "$NAMESPACE" --max 1 -o json | jq -r '.[0].revision')
stage_output HELM_REVISION "$HELM_REVISION"
