#!/usr/bin/env bash
# Prepares the services bosun's tests, soak and bench run against; idempotent, quick when all is in place,
# and touches no database (scripts/setup-test-env.sh recreates the test databases; soak and bench create
# and empty their own):
#   - PostgreSQL on 127.0.0.1:5432 (trust auth);
#   - a Docker engine (docker.io from Debian) running with no bridge network: containers get none;
#   - the image bosun-test/busybox:latest, imported from a busybox root filesystem (no registry needed);
#   - promtool, which the metrics specs check GET /metrics with.
set -euo pipefail

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "$* missing, and no apt-get to install it: install it, then run this again"
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    APT_UPDATED=1
  fi
  apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# --- PostgreSQL ---------------------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    say "installing PostgreSQL"
    apt_install postgresql
  fi
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL does not answer on 127.0.0.1:5432"
fi

# --- Docker engine ------------------------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1 || ! dpkg -s busybox-static >/dev/null 2>&1; then
  say "installing docker.io and busybox-static"
  apt_install docker.io busybox-static
fi
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (no bridge network)"
  setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false \
    </dev/null >/var/log/bosun-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -n 20 /var/log/bosun-dockerd.log >&2; die "dockerd did not start"; }
fi

# --- Test image -------------------------------------------------------------------------------
IMAGE=bosun-test/busybox:latest
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "building $IMAGE"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,var,proc,sys,dev,tmp}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - "$IMAGE" >/dev/null
  [ "$(docker run --rm --network none "$IMAGE" /bin/sh -c 'echo ok')" = ok ] || die "$IMAGE does not run"
fi
# Another image may be named for the runs (BOSUN_TEST_IMAGE); bosun cannot build it, only say it is missing.
if [ -n "${BOSUN_TEST_IMAGE:-}" ] && ! docker image inspect "$BOSUN_TEST_IMAGE" >/dev/null 2>&1; then
  die "BOSUN_TEST_IMAGE=$BOSUN_TEST_IMAGE is not on the Docker engine: load it (docker load / docker import), or unset BOSUN_TEST_IMAGE to use $IMAGE"
fi

# --- promtool (checks the format of GET /metrics in the specs) ---------------------------------
# Debian ships promtool in the prometheus package; its recommends (the exporters) are not needed. The server
# it brings is not started here, and where its package starts it as a service, stop it if unwanted.
if ! command -v promtool >/dev/null 2>&1; then
  say "installing promtool (prometheus)"
  apt_install --no-install-recommends prometheus
fi

say "ready (postgres, docker, $IMAGE, promtool)"
