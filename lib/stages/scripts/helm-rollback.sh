#!/usr/bin/env bash
# HelmRollback: puts a release back where it was before this run's deploy, or removes a release
# whose first install failed. Helm's own `--rollback-on-failure` (HelmDeploy) may already have done
# it, or may have been cut off by the build's timeout: the release's history is read first, and the
# build does only what is left, saying which case it was.
#
# Run from the root of the checkout. Reads (the Rollback decision's build.environmentVariables):
#   EKS_CLUSTER, AWS_REGION   the cluster (kubeconfig from `aws eks update-kubeconfig`)
#   RELEASE, NAMESPACE        the Helm release and its namespace
#   ROLLBACK_ACTION   `rollback` (to TO_REVISION), `uninstall` (after a failed first install) or
#                     `restore` (HelmDeploy failed without reporting PREVIOUS_REVISION: return to
#                     the last good revision in the history, or uninstall when none ran)
#   TO_REVISION       the revision to return to (HelmDeploy's PREVIOUS_REVISION); empty = the
#                     revision that ran before the one deployed now (a manual rollback)
#   DEPLOY_TIMEOUT_MINUTES   how long Helm waits (`--timeout <N>m`)
#   STAGE_OUTPUT_FILE (see common.sh)
# Outputs: ROLLBACK_OUTCOME, one of
#   already-restored  nothing left to do: the deployed revision is TO_REVISION (or Helm's copy of
#                     it, "Rollback to TO_REVISION") and nothing is pending, or (uninstall) the
#                     release no longer exists
#   rolled-back       `helm rollback` to TO_REVISION succeeded
#   uninstalled       `helm uninstall` succeeded
# Any failure exits non-zero (the workflow ends RollbackFailed).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars EKS_CLUSTER AWS_REGION RELEASE NAMESPACE ROLLBACK_ACTION DEPLOY_TIMEOUT_MINUTES
case "$ROLLBACK_ACTION" in rollback | uninstall | restore) ;; *)
  echo "ROLLBACK_ACTION must be rollback, uninstall or restore, not $ROLLBACK_ACTION" >&2
  exit 1
  ;;
esac
[[ "$DEPLOY_TIMEOUT_MINUTES" =~ ^[1-9][0-9]*$ ]] || {
  echo "DEPLOY_TIMEOUT_MINUTES must be a whole number of minutes from 1, not $DEPLOY_TIMEOUT_MINUTES" >&2
  exit 1
}
[[ "${TO_REVISION:-}" =~ ^([1-9][0-9]*)?$ ]] || {
  echo "TO_REVISION must be a revision number from 1, or empty, not $TO_REVISION" >&2
  exit 1
}
ERR=$(mktemp)

aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION"

# The release's revisions; [] when it does not exist.
if ! HISTORY=$(helm history "$RELEASE" --namespace "$NAMESPACE" -o json 2> "$ERR"); then
  grep -q 'release: not found' "$ERR" || {
    cat "$ERR" >&2
    echo "cannot read the history of release $RELEASE in namespace $NAMESPACE" >&2
    exit 1
  }
  HISTORY='[]'
fi
DEPLOYED=$(jq -r '[.[] | select(.status == "deployed") | .revision] | max // 0' <<< "$HISTORY")
LATEST=$(jq -r '(max_by(.revision) // {}) | "\(.revision // 0) \(.status // "none")"' <<< "$HISTORY")
LATEST_STATUS=${LATEST#* }
echo "release $RELEASE: deployed revision ${DEPLOYED/#0/none}, latest revision ${LATEST% *} ($LATEST_STATUS)"

LATEST_DESCRIPTION=$(jq -r '(max_by(.revision) // {}) | .description // ""' <<< "$HISTORY")

# restore: HelmDeploy failed without reporting the revision it replaced. Helm's own rollback leaves
# a deployed latest revision "Rollback to N"; otherwise return to the newest revision before the
# latest that ran (deployed or superseded), or uninstall a first install that never ran.
if [ "$ROLLBACK_ACTION" = restore ]; then
  if [ "$HISTORY" = '[]' ]; then
    echo "already restored: release $RELEASE does not exist (Helm's --rollback-on-failure removed the failed first install)"
    stage_output ROLLBACK_OUTCOME already-restored
    exit 0
  fi
  if [ "$LATEST_STATUS" = deployed ] && [[ "$LATEST_DESCRIPTION" == "Rollback to "* ]]; then
    echo "already restored: latest revision ${LATEST% *} of $RELEASE is deployed ($LATEST_DESCRIPTION: Helm's --rollback-on-failure restored it); nothing more to do"
    stage_output ROLLBACK_OUTCOME already-restored
    exit 0
  fi
  TO_REVISION=$(jq -r --argjson latest "${LATEST% *}" '[.[] | select(.revision < $latest and (.status == "deployed" or .status == "superseded")) | .revision] | max // empty' <<< "$HISTORY")
  if [ -z "$TO_REVISION" ]; then
    echo "restore: no revision of $RELEASE ran before the failed one: uninstalling the failed first install"
    ROLLBACK_ACTION=uninstall
  else
    echo "restore: the last good revision of $RELEASE is $TO_REVISION (latest ${LATEST% *} is $LATEST_STATUS)"
    ROLLBACK_ACTION=rollback
  fi
fi

if [ "$ROLLBACK_ACTION" = uninstall ]; then
  if [ "$HISTORY" = '[]' ]; then
    echo "already restored: release $RELEASE does not exist (Helm's --rollback-on-failure removed the failed first install)"
    stage_output ROLLBACK_OUTCOME already-restored
    exit 0
  fi
  helm uninstall "$RELEASE" --namespace "$NAMESPACE" --wait --timeout "${DEPLOY_TIMEOUT_MINUTES}m"
  echo "uninstalled: release $RELEASE (its first install failed)"
  stage_output ROLLBACK_OUTCOME uninstalled
  exit 0
fi

if [ "$HISTORY" = '[]' ]; then
  echo "release $RELEASE does not exist in namespace $NAMESPACE: nothing to roll back" >&2
  exit 1
fi
TARGET=${TO_REVISION:-}
if [ -z "$TARGET" ]; then
  # The newest revision before the deployed one that once ran (superseded), not a failed attempt.
  TARGET=$(jq -r --argjson deployed "$DEPLOYED" '[.[] | select(.revision < $deployed and .status == "superseded") | .revision] | max // empty' <<< "$HISTORY")
  [ -n "$TARGET" ] || {
    echo "release $RELEASE has no revision before the deployed one (${DEPLOYED/#0/none}) to roll back to" >&2
    exit 1
  }
  echo "no TO_REVISION: rolling back to revision $TARGET, the one before deployed revision $DEPLOYED"
fi
jq -e --argjson target "$TARGET" 'any(.[]; .revision == $target)' <<< "$HISTORY" > /dev/null || {
  echo "release $RELEASE has no revision $TARGET (its history keeps $(jq -r '[.[].revision] | map(tostring) | join(", ")' <<< "$HISTORY"))" >&2
  exit 1
}
# Helm's rollback (its own --rollback-on-failure, or an earlier rollback build) writes a new revision,
# a copy of the target described "Rollback to <target>".
DEPLOYED_DESCRIPTION=$(jq -r --argjson deployed "$DEPLOYED" '.[] | select(.revision == $deployed) | .description // ""' <<< "$HISTORY")
# Restored means the latest revision is the deployed one and is the target (or Helm's copy of it):
# an upgrade that failed without Helm's rollback leaves the old revision "deployed" under a failed
# latest one whose objects were partly applied, and is rolled back.
if [ "$DEPLOYED" = "${LATEST% *}" ] && { [ "$DEPLOYED" -eq "$TARGET" ] || [ "$DEPLOYED_DESCRIPTION" = "Rollback to $TARGET" ]; }; then
  echo "already restored: revision $DEPLOYED of $RELEASE is revision $TARGET (${DEPLOYED_DESCRIPTION:-deployed}; Helm's --rollback-on-failure restored it); nothing more to do"
  stage_output ROLLBACK_OUTCOME already-restored
  exit 0
fi
helm rollback "$RELEASE" "$TARGET" --namespace "$NAMESPACE" --wait --timeout "${DEPLOY_TIMEOUT_MINUTES}m"
echo "rolled back: release $RELEASE runs revision $TARGET again (was ${DEPLOYED/#0/none}, latest $LATEST_STATUS)"
stage_output ROLLBACK_OUTCOME rolled-back
