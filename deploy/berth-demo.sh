#!/bin/bash
# The README's main job: start berthd (which starts its own berth-supervisor), load a
# busybox image made from Debian's busybox-static (nothing can be pulled here), and run
# `berth run --rm busybox echo hello from berth`. berthd keeps running afterwards, on
# /run/berth/berthd.sock, for `berth` and `DOCKER_HOST=unix:///run/berth/berthd.sock docker`.
set -euo pipefail
BIN=${1:?usage: berth-demo.sh BIN_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
sock=/run/berth/berthd.sock
export BERTH_HOST=unix://$sock

if ! "$BIN/berth" version >/dev/null 2>&1; then
  mkdir -p /run/berth /etc/berth
  [ -e /etc/berth/daemon.json ] || install -m 0644 "$here/deploy/daemon.json" /etc/berth/daemon.json
  echo "starting berthd (log: /run/berth/berthd.log)"
  setsid "$BIN/berthd" --config-file /etc/berth/daemon.json --seccomp-profile "$here/deploy/seccomp-default.json" \
    -H "unix://$sock" --pidfile /run/berth/berthd.pid </dev/null >>/run/berth/berthd.log 2>&1 &
  for _ in $(seq 100); do "$BIN/berth" version >/dev/null 2>&1 && break; sleep 0.1; done
fi

if ! "$BIN/berth" image inspect busybox >/dev/null 2>&1; then
  work=$(mktemp -d /tmp/berth-demo.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  "$here/Tests/fixtures/make-busybox-image.sh" "$work" latest >/dev/null
  "$BIN/berth" load -i "$work/busybox-docker-archive.tar"
fi

"$BIN/berth" run --rm busybox echo hello from berth
echo
echo "berthd is running: try '$BIN/berth ps -a', or 'DOCKER_HOST=$BERTH_HOST docker run --rm busybox uname -a'."
echo "Stop it with: kill \$(cat /run/berth/berthd.pid)"
