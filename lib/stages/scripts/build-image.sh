#!/usr/bin/env bash
# BuildImage: builds the service image once per commit and pushes <repository>:<full commit sha> to
# ECR. Tags are immutable, so the build cache travels inside the image (inline cache) and is read
# back from the repository's newest image. Several environments may build the same commit at once:
# whichever push loses finds the winner's image and exports its digest.
#
# Run from the root of the checkout. Reads:
#   APP_PATH            the build context (holds the Dockerfile)
#   ECR_REPOSITORY_URI  <registry>/<repository>;  COMMIT  the pushed commit;  AWS_REGION
#   BASE_IMAGE_MIRROR   where Docker Official Images named in the Dockerfile are pulled from
#   BUILDKIT_IMAGE      the BuildKit builder image
#   ON_MISSING_REPOSITORY  `fail` (default) or `defer`, see "Who creates the repository" below
#   STAGE_OUTPUT_FILE (see common.sh)
# Outputs: IMAGE_URI (<repository>@sha256:<digest>, what HelmDeploy deploys), IMAGE_DIGEST; or
# IMAGE_DEFERRED=true alone when the build is deferred.
#
# Nothing is pulled anonymously from Docker Hub, whose pull limits shared CodeBuild addresses hit
# (`toomanyrequests`): Docker Official Images named in the Dockerfile (`FROM node:22...`) come from
# their copies in ECR Public's Docker Official Images namespace (BASE_IMAGE_MIRROR), and the BuildKit
# builder image from BUILDKIT_IMAGE (defaults in lib/buildspecs/build-image.yml).
#
# Who creates the repository, and when. The environment's Terraform owns the image repository (the
# `ecr` module, as in the reference design), so the repository exists only once TerraformApply ran.
# BuildImage never creates it: a repository made here would collide with Terraform's on the same
# push (TerraformPlan runs beside BuildImage and plans to create it), and a build that waited for it
# would wait forever (TerraformApply starts only after BuildImage's Verify branch ends). Instead a
# first push builds in order: with ON_MISSING_REPOSITORY=defer (the run's first BuildImage, in
# Verify) a missing repository ends the build successfully with IMAGE_DEFERRED=true and nothing
# built; the workflow then runs BuildImage again after TerraformApply, with the default `fail`, when
# the repository exists. Later pushes find the repository and build beside the tests and the plan as
# before. A missing repository with `fail` is an error that names the repository and its owner.
# The workflow's part of this order (defer in Verify, build again after TerraformApply) and its
# status: docs/operations.md, "First deploy of an environment".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_vars APP_PATH ECR_REPOSITORY_URI COMMIT AWS_REGION BASE_IMAGE_MIRROR BUILDKIT_IMAGE
case "${ON_MISSING_REPOSITORY:=fail}" in fail | defer) ;; *) echo "ON_MISSING_REPOSITORY must be fail or defer, not $ON_MISSING_REPOSITORY" >&2; exit 1 ;; esac

REGISTRY="${ECR_REPOSITORY_URI%%/*}"
REPOSITORY_NAME="${ECR_REPOSITORY_URI#*/}"
IMAGE_TAG="$ECR_REPOSITORY_URI:$COMMIT"

# The digest of <repository>:<commit>; empty if there is none. Returns 3 when the repository does not
# exist, 1 on any other error.
image_digest() {
  local out
  if out=$(aws ecr describe-images --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$COMMIT" --query 'imageDetails[0].imageDigest' --output text 2>&1); then
    echo "$out"
  elif grep -q ImageNotFoundException <<< "$out"; then
    return 0
  elif grep -q RepositoryNotFoundException <<< "$out"; then
    return 3
  else
    echo "$out" >&2
    return 1
  fi
}

# --build-context arguments that serve each Docker Official Image the Dockerfile's FROM lines name
# (node:22, docker.io/library/node:22) from BASE_IMAGE_MIRROR. BuildKit looks a FROM image up among
# the named contexts by its short name first. Stage names, images of other registries or
# namespaces, scratch and ARG-built names are left alone.
mirror_contexts() {
  local ref alias stages=" " seen=" "
  while read -r ref alias; do
    local name="${ref#docker.io/}"
    name="${name#index.docker.io/}"
    name="${name#library/}"
    if [[ "$stages" != *" ${ref,,} "* && "$ref" != *'$'* && "${ref,,}" != scratch && "${name%%[:@]*}" != */* && "$seen" != *" $name "* ]]; then
      printf '%s\n' --build-context "$name=docker-image://$BASE_IMAGE_MIRROR/$name"
      seen+="$name "
    fi
    [ -z "$alias" ] || stages+="${alias,,} "
  done < <(awk 'toupper($1) == "FROM" { i = 2; while ($i ~ /^--/) i++; print $i, (toupper($(i + 1)) == "AS" ? $(i + 2) : "") }' "$APP_PATH/Dockerfile")
}

code=0
IMAGE_DIGEST=$(image_digest) || code=$?
if [ "$code" -eq 3 ]; then
  if [ "$ON_MISSING_REPOSITORY" = defer ]; then
    echo "ECR repository $REPOSITORY_NAME does not exist yet (first push of the environment): building after TerraformApply creates it"
    stage_output IMAGE_DEFERRED true
    exit 0
  fi
  echo "ECR repository $REPOSITORY_NAME does not exist: the environment's Terraform creates it (module ecr); apply it first" >&2
  exit 1
fi
[ "$code" -eq 0 ] || exit 1

if [ -n "$IMAGE_DIGEST" ]; then
  echo "$IMAGE_TAG already exists: reusing it"
else
  aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$REGISTRY"
  CACHE_TAG=$(aws ecr describe-images --repository-name "$REPOSITORY_NAME" --filter tagStatus=TAGGED --query 'sort_by(imageDetails,&imagePushedAt)[-1].imageTags[0]' --output text 2> /dev/null || true)
  CACHE_FROM=()
  if [ -n "$CACHE_TAG" ] && [ "$CACHE_TAG" != "None" ]; then
    CACHE_FROM=(--cache-from "type=registry,ref=$ECR_REPOSITORY_URI:$CACHE_TAG")
  fi
  mapfile -t BASE_CONTEXTS < <(mirror_contexts)
  docker buildx create --use --driver docker-container --driver-opt "image=$BUILDKIT_IMAGE" > /dev/null
  docker buildx build "$APP_PATH" \
    --build-arg COMMIT_SHA="$COMMIT" --build-arg BUILD_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "${BASE_CONTEXTS[@]}" "${CACHE_FROM[@]}" --cache-to type=inline \
    --tag "$IMAGE_TAG" --push || echo "push failed: checking whether another build pushed $IMAGE_TAG"
  IMAGE_DIGEST=$(image_digest) || exit 1
  [ -n "$IMAGE_DIGEST" ] || { echo "no image $IMAGE_TAG after the build" >&2; exit 1; }
fi
stage_output IMAGE_URI "$ECR_REPOSITORY_URI@$IMAGE_DIGEST"
stage_output IMAGE_DIGEST "$IMAGE_DIGEST"
echo "image $IMAGE_TAG = $ECR_REPOSITORY_URI@$IMAGE_DIGEST"
