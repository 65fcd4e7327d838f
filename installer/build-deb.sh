#!/usr/bin/env bash
# Builds the Debian package for offline halls (UOS, Kylin, Debian, Ubuntu):
#   target/installer/guidang_<version>_amd64.deb
# It holds the desktop program (guidang-app), the command-line program
# (guidang), the desktop entry, icons in every size and the licences; it
# depends only on packages of the distribution (WebKitGTK 4.1, GTK 3,
# xdg-utils) and fetches nothing at install or first run.
#
# Usage, from anywhere in the checkout:  bash installer/build-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo xtask deps    # build packages from apt, when missing
cargo xtask ui      # npm install (the Tauri CLI comes with it) and ui/dist
# One cargo invocation builds both programs (the arguments after `--` go to
# `cargo build`), so the CLI shares the app's release dependencies instead
# of compiling them a second time with other features.
ui/node_modules/.bin/tauri build --ci --bundles deb \
  --config installer/linux/deb.conf.json \
  -- --locked --workspace --exclude xtask --exclude guidang-e2e
test -x target/release/guidang
deb=$(ls -t target/release/bundle/deb/guidang_*.deb | head -n 1)
mkdir -p target/installer
cp "$deb" target/installer/
echo "built: target/installer/$(basename "$deb")"
