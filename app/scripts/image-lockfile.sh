#!/bin/sh
# The app is an npm workspace of the repository, whose one lockfile lives at the root. The image is
# built with app/ as its context, so it carries its own lockfile, resolved from app/package.json
# alone (in a scratch directory, so the workspace root is not involved). Run after changing the
# app's dependencies; test/image-lockfile.test.ts fails while the two disagree.
set -eu
app_dir=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$app_dir/package.json" "$scratch/"
(cd "$scratch" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund)
cp "$scratch/package-lock.json" "$app_dir/package-lock.json"
echo "wrote $app_dir/package-lock.json"
