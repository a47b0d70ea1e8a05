#!/usr/bin/env bash
# HelmDeploy: deploys the image by digest with Helm, waits for the rollout and lets Helm undo a
# failed one (`--rollback-on-failure`, Helm 4's name for `--atomic`: a failed upgrade rolls back to
# the last deployed revision, a failed first install is uninstalled). The release's deployed
# revision before the deploy is recorded first, so the workflow's Rollback knows its target; then,
# after the rollout, the commit the service reports on /version, read in-cluster.
#
# Run from the root of the checkout. Reads:
#   SERVICE, ENVIRONMENT      whose deploy this is (where TerraformApply published the outputs)
#   COMMIT                    the pushed commit (logged beside what /version reports)
#   EKS_CLUSTER, AWS_REGION   the cluster (kubeconfig from `aws eks update-kubeconfig`)
#   CHART             the chart directory, relative to the checkout
#   VALUES_FILE       the environment's values file, relative to the chart (empty: chart defaults)
#   RELEASE, NAMESPACE        the Helm release and its namespace
#   IMAGE_URI         the image to deploy, <repository>@sha256:<64 hex> (a promoted run's image may
#                     live in the source environment's repository)
#   DEPLOY_TIMEOUT_MINUTES   how long Helm waits for the rollout (`--timeout <N>m`)
#   ARTIFACTS_BUCKET or ARTIFACTS_DIR, STAGE_OUTPUT_FILE (see common.sh)
# Outputs: PREVIOUS_REVISION (0 = no deployed revision: a first install), HELM_REVISION, and
# DEPLOYED_COMMIT (the `commitSha` the service's /version reports; absent when it could not be read).
# PREVIOUS_REVISION is recorded before the upgrade, so a failed build has it too.
#
# Values from Terraform: `terraform output -json` of the environment, as TerraformApply published it
# (deploy-values/<service>/<environment>/terraform-outputs.json), becomes `--set`/`--set-string`
# arguments through deploy-values.jq (lib/contracts/deploy-values.ts), passed after the values file
# so they win over it. No published outputs (the environment was never applied by the pipeline):
# no values from Terraform, and the values file must carry them.
#
# The namespace exists already: a cluster admin creates it once (the deploy role's access is
# namespace-scoped; docs/operations.md).
set -euo pipefail
SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$SCRIPTS_DIR/common.sh"
require_vars SERVICE ENVIRONMENT COMMIT EKS_CLUSTER AWS_REGION CHART RELEASE NAMESPACE IMAGE_URI DEPLOY_TIMEOUT_MINUTES
[[ "$IMAGE_URI" =~ ^[^@[:space:]]+@sha256:[0-9a-f]{64}$ ]] || {
  echo "IMAGE_URI must be <repository>@sha256:<64 hex digits>, not $IMAGE_URI" >&2
  exit 1
}
[[ "$DEPLOY_TIMEOUT_MINUTES" =~ ^[1-9][0-9]*$ ]] || {
  echo "DEPLOY_TIMEOUT_MINUTES must be a whole number of minutes from 1, not $DEPLOY_TIMEOUT_MINUTES" >&2
  exit 1
}
IMAGE_REPOSITORY="${IMAGE_URI%@*}"
IMAGE_DIGEST="${IMAGE_URI##*@}"
CHART_DIR="$PWD/$CHART"
WORK=$(mktemp -d)

# --set arguments from the environment's Terraform outputs.
TF_SET=()
OUTPUTS_KEY=$(deploy_values_key)
if try_get_artifact "$OUTPUTS_KEY" "$WORK/terraform-outputs.json"; then
  jq -c -f "$SCRIPTS_DIR/deploy-values.jq" "$WORK/terraform-outputs.json" > "$WORK/deploy-inputs.json" || {
    echo "the Terraform outputs at $OUTPUTS_KEY cannot feed the deploy (above)" >&2
    exit 1
  }
  TF_CLUSTER=$(jq -r '.cluster' "$WORK/deploy-inputs.json")
  if [ "$TF_CLUSTER" != "$EKS_CLUSTER" ]; then
    echo "the configuration deploys to cluster $EKS_CLUSTER, but the environment's Terraform made $TF_CLUSTER ($OUTPUTS_KEY)" >&2
    exit 1
  fi
  mapfile -t TF_SET < <(jq -r '.helmSet[]' "$WORK/deploy-inputs.json")
  echo "values from Terraform ($OUTPUTS_KEY): ${TF_SET[*]:-none}"
else
  echo "no Terraform outputs at $OUTPUTS_KEY (TerraformApply has not published any): no values from Terraform"
fi

aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION"

# The deployed revision before the upgrade. A release that does not exist yet has none (0).
if HISTORY=$(helm history "$RELEASE" --namespace "$NAMESPACE" -o json 2> "$WORK/history.err"); then
  PREVIOUS_REVISION=$(jq -r '[.[] | select(.status == "deployed") | .revision] | max // 0' <<< "$HISTORY")
elif grep -q 'release: not found' "$WORK/history.err"; then
  PREVIOUS_REVISION=0
else
  cat "$WORK/history.err" >&2
  echo "cannot read the history of release $RELEASE in namespace $NAMESPACE" >&2
  exit 1
fi
stage_output PREVIOUS_REVISION "$PREVIOUS_REVISION"
if [ "$PREVIOUS_REVISION" -eq 0 ]; then
  echo "release $RELEASE has no deployed revision: first install"
else
  echo "release $RELEASE: revision $PREVIOUS_REVISION is deployed before this deploy"
fi

if ! helm upgrade --install "$RELEASE" "$CHART_DIR" --namespace "$NAMESPACE" ${VALUES_FILE:+--values "$CHART_DIR/$VALUES_FILE"} \
  "${TF_SET[@]}" --set image.repository="$IMAGE_REPOSITORY" --set image.digest="$IMAGE_DIGEST" \
  --wait --timeout "${DEPLOY_TIMEOUT_MINUTES}m" --rollback-on-failure; then
  if [ "$PREVIOUS_REVISION" -eq 0 ]; then
    echo "helm upgrade failed: a failed first install is uninstalled by Helm (--rollback-on-failure)" >&2
  else
    echo "helm upgrade failed: Helm rolls back to revision $PREVIOUS_REVISION (--rollback-on-failure)" >&2
  fi
  exit 1
fi
HELM_REVISION=$(helm status "$RELEASE" --namespace "$NAMESPACE" -o json | jq -r '.version')
stage_output HELM_REVISION "$HELM_REVISION"
echo "release $RELEASE revision $HELM_REVISION runs $IMAGE_URI"

# What the service reports it runs, through the API server's service proxy (no route into the
# cluster's network needed): the release's Service (Helm's standard label
# app.kubernetes.io/instance), its port named http.
SERVICE_NAME=$(kubectl get service --namespace "$NAMESPACE" -l "app.kubernetes.io/instance=$RELEASE" -o jsonpath='{.items[0].metadata.name}' 2> /dev/null || true)
if [ -z "$SERVICE_NAME" ]; then
  echo "release $RELEASE has no Service labelled app.kubernetes.io/instance=$RELEASE: DEPLOYED_COMMIT not read"
  exit 0
fi
VERSION_PATH="/api/v1/namespaces/$NAMESPACE/services/$SERVICE_NAME:http/proxy/version"
for attempt in 1 2 3; do
  if VERSION=$(kubectl get --raw "$VERSION_PATH" --request-timeout=10s 2> "$WORK/version.err") &&
    DEPLOYED_COMMIT=$(jq -er '.commitSha | strings | select(test("^\\S+$"))' <<< "$VERSION" 2> /dev/null); then
    stage_output DEPLOYED_COMMIT "$DEPLOYED_COMMIT"
    if [ "$DEPLOYED_COMMIT" = "$COMMIT" ]; then
      echo "/version reports commit $DEPLOYED_COMMIT, the pushed commit"
    else
      echo "/version reports commit $DEPLOYED_COMMIT, not the pushed $COMMIT (VerifyDeployment decides)"
    fi
    exit 0
  fi
  [ "$attempt" -eq 3 ] || sleep "${VERSION_RETRY_SECONDS:-5}"
done
echo "could not read $VERSION_PATH after 3 attempts: DEPLOYED_COMMIT not read ($(tr '\n' ' ' < "$WORK/version.err"))"
