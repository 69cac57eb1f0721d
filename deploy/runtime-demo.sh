#!/bin/bash
# Runs a busybox container with berth-runtime alone, the way runc is used:
# a bundle made from Debian's busybox-static, `run`, then a look at the state.
set -euo pipefail
RUNTIME=${1:-berth-runtime}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/Tests/fixtures/make-bundle.sh" "$work/bundle" /bin/sh -c 'echo "hello from berth: $(hostname), pid $$, $(id)"' >/dev/null
cd "$work/bundle"
"$RUNTIME" --root "$work/state" run "demo-$$"
