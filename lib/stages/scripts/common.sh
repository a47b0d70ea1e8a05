# Helpers shared by the stage scripts; sourced, never run. The stage scripts run unchanged in
# CodeBuild (the buildspecs in lib/buildspecs/), in `deployctl local` (lib/local/drivers/) and in
# GitHub Actions (docs/github-actions.example.yml). What differs between those hosts reaches the
# scripts as environment variables only:
#
#   STAGE_OUTPUT_FILE  file to append the stage's outputs to, one NAME=VALUE line each (the
#                      variables lib/contracts/stage-outputs.ts declares). CodeBuild's buildspec
#                      exports them for `exported-variables`; GitHub Actions passes $GITHUB_OUTPUT;
#                      the local drivers read the file. Unset: outputs are only exported.
#   ARTIFACTS_DIR      a directory standing in for the artifacts bucket (local runs). Unset: run
#                      artifacts go to s3://$ARTIFACTS_BUCKET/<key> with the AWS CLI.

# Fails (exit 1) naming every variable in "$@" that is unset or empty.
require_vars() {
  local missing=() name
  for name in "$@"; do
    [ -n "${!name:-}" ] || missing+=("$name")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "${0##*/}: missing environment variable(s): ${missing[*]}" >&2
    exit 1
  fi
}

# stage_output NAME VALUE: exports NAME=VALUE and records it in STAGE_OUTPUT_FILE. Values are one line.
stage_output() {
  case "$2" in *$'\n'*)
    echo "${0##*/}: output $1 must be one line" >&2
    exit 1
    ;;
  esac
  export "$1=$2"
  if [ -n "${STAGE_OUTPUT_FILE:-}" ]; then printf '%s=%s\n' "$1" "$2" >> "$STAGE_OUTPUT_FILE"; fi
}

# put_artifact FILE KEY: stores FILE as the run artifact KEY (runs/<execution>/...).
put_artifact() {
  if [ -n "${ARTIFACTS_DIR:-}" ]; then
    mkdir -p "$(dirname "$ARTIFACTS_DIR/$2")" && cp "$1" "$ARTIFACTS_DIR/$2"
  else
    require_vars ARTIFACTS_BUCKET
    aws s3 cp --only-show-errors "$1" "s3://$ARTIFACTS_BUCKET/$2"
  fi
}

# try_get_artifact KEY FILE: fetches KEY into FILE; returns 1 when there is no such object (and
# leaves FILE absent), exits on any other error (access denied, no network).
try_get_artifact() {
  if [ -n "${ARTIFACTS_DIR:-}" ]; then
    [ -f "$ARTIFACTS_DIR/$1" ] || return 1
    cp "$ARTIFACTS_DIR/$1" "$2"
  else
    require_vars ARTIFACTS_BUCKET
    local out
    if ! out=$(aws s3 cp --only-show-errors "s3://$ARTIFACTS_BUCKET/$1" "$2" 2>&1); then
      # The AWS CLI reports a missing object as "(404) ... HeadObject" (with s3:ListBucket granted).
      if grep -q '(404)' <<< "$out"; then rm -f "$2"; return 1; fi
      echo "$out" >&2
      exit 1
    fi
  fi
}

# deploy_values_key: where TerraformApply publishes `terraform output -json` of the service's
# environment and HelmDeploy reads it. A stable key, not under the run's prefix: a run without
# TerraformApply (an app-only push) deploys with the outputs of the last apply.
deploy_values_key() {
  require_vars SERVICE ENVIRONMENT
  printf 'deploy-values/%s/%s/terraform-outputs.json' "$SERVICE" "$ENVIRONMENT"
}

# get_artifact KEY FILE: fetches the run artifact KEY into FILE.
get_artifact() {
  if [ -n "${ARTIFACTS_DIR:-}" ]; then
    cp "$ARTIFACTS_DIR/$1" "$2"
  else
    require_vars ARTIFACTS_BUCKET
    aws s3 cp --only-show-errors "s3://$ARTIFACTS_BUCKET/$1" "$2"
  fi
}

# copy_source DEST: a fresh copy of the checkout in the current directory at DEST. In a git work
# tree it copies what git would (tracked and untracked files, minus .gitignore'd ones such as
# node_modules or .terraform), so a local run plans exactly what a push would; elsewhere everything
# but .git. DEST is emptied first: a copy left by an earlier build is replaced, never merged.
copy_source() {
  rm -rf "$1" && mkdir -p "$1" || return 1
  if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    # --ignore-failed-read: a tracked file deleted in the work tree is listed but absent.
    (set -o pipefail; git ls-files -z --cached --others --exclude-standard |
      tar --null --ignore-failed-read -T - -cf - | tar -C "$1" -xf -)
  else
    (set -o pipefail; tar --exclude=./.git -cf - . | tar -C "$1" -xf -)
  fi
}
