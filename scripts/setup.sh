#!/usr/bin/env bash
# One-time (and idempotent) set-up of this machine for hactl's lab and tests:
# Debian packages the lab and the real-SSH tests need, then the npm dependencies.
# Run as root on Debian 12. Cheap to re-run: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
  echo "setup: run as root (the lab makes network namespaces and mounts): sudo npm test" >&2
  exit 2
fi

pkgs="openssh-server openssh-client iproute2 procps psmisc curl $(grep -hv '^#' lab-assets/host-packages.txt | tr '\n' ' ')"
missing=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $pkgs 2>/dev/null | awk '$2 != "ii" {print $1}')
for p in $pkgs; do dpkg-query -W "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "${missing// /}" ]; then
  echo "setup: installing Debian packages:$missing"
  if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | grep -q .; then
    apt-get update -q >/dev/null
  fi
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
# the lab's package repository is computed from the host's apt lists
if ! find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | grep -q .; then apt-get update -q >/dev/null; fi

stamp=node_modules/.hactl-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
