#!/usr/bin/env bash
# One-time (and idempotent) set-up of this machine for hactl's lab and tests:
# Debian packages the lab and the real-SSH tests need, then the npm dependencies.
# Run as root on Debian 12. Cheap to re-run: it skips what is already there.
#
# Every failure ends with one line "setup: FAILED: <what> — <how to fix>" on stderr and a
# non-zero exit; the script never exits silently.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

fail() { # fail WHAT HOW [exit code]
  echo "setup: FAILED: $1 — $2" >&2
  exit "${3:-1}"
}
# a command that fails without a fail() of its own still gets a line naming it
trap 'rc=$?; fail "line $LINENO: $BASH_COMMAND (exit $rc)" "run bash -x scripts/setup.sh to see why"' ERR
set -E

[ "$(id -u)" = 0 ] || fail "not root" "run as root (the lab makes network namespaces and mounts): sudo npm test" 2
command -v dpkg-query >/dev/null && command -v apt-get >/dev/null \
  || fail "no dpkg/apt here" "hactl's set-up needs Debian 12 (bookworm) or a derivative" 2
command -v node >/dev/null || fail "node not found" "install Node.js >= 20.19 (e.g. Debian's or NodeSource's nodejs package)" 2
command -v npm >/dev/null || fail "npm not found" "install npm (Debian: apt-get install npm; NodeSource's nodejs ships it)" 2
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $(node --version) is too old" "hactl needs Node.js >= 20.19" 2

pkgs=$(printf '%s\n' openssh-server openssh-client iproute2 procps psmisc curl $(grep -hv '^#' lab-assets/host-packages.txt) | awk 'NF && !seen[$0]++' | tr '\n' ' ')
# a package counts as present only when dpkg says "install ok installed"; dpkg-query
# exits 1 for a name it has never heard of, which is exactly the "missing" case
missing=""
for p in $pkgs; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  case "$status" in ii*) ;; *) missing="$missing $p" ;; esac
done

apt_update() {
  echo "setup: apt-get update"
  apt-get update -q >/tmp/hactl-setup-apt.log 2>&1 \
    || fail "apt-get update (log: /tmp/hactl-setup-apt.log: $(grep -m1 -E '^(E|Err):' /tmp/hactl-setup-apt.log || tail -n1 /tmp/hactl-setup-apt.log))" \
            "check the network and /etc/apt/sources.list*, then run again"
}
lists_present() { find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | grep -q .; }
lists_fresh() { find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | grep -q .; }

if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  lists_fresh || apt_update
  # shellcheck disable=SC2086
  if ! apt-get install -y -q --no-install-recommends $missing >/tmp/hactl-setup-apt.log 2>&1; then
    # an old package list names versions the mirror no longer has: refresh once and retry
    apt_update
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/tmp/hactl-setup-apt.log 2>&1 \
      || fail "apt-get install$missing (log: /tmp/hactl-setup-apt.log: $(grep -m1 -E '^E:' /tmp/hactl-setup-apt.log || tail -n1 /tmp/hactl-setup-apt.log))" \
              "fix what apt says (dpkg --configure -a after an interrupted install), then run again"
  fi
fi
# the lab's package repository is computed from the host's apt lists
lists_present || apt_update

stamp=node_modules/.hactl-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error \
    || fail "npm ci" "check that the npm registry is reachable (npm ping) and package-lock.json is intact, then run again"
  echo "$want" > "$stamp"
fi
