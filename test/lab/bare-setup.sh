#!/usr/bin/env bash
# Proves the README's set-up on a bare Debian 12 root, not on the machine the tests run on.
#
#   bare-setup.sh PROJECT_DIR CACHE_DIR [SETUP_SCRIPT]
#
# 1. A bare root: `debootstrap --variant=minbase bookworm` (nothing of the project's
#    packages; no sshd, no iproute2, no curl), cached read-only under CACHE_DIR.
# 2. A throwaway copy of it: an overlay (lower = the bare root, upper = a temp dir) in a
#    private mount and pid namespace, so every mount and every process it starts is gone
#    when this script ends, whatever happens.
# 3. Node.js from the host (bind-mounted: the README's requirement "Node.js installed"),
#    the project's files copied in (git's tracked files, no node_modules, no dist), the
#    host's resolv.conf so apt and npm reach their registries, and a policy-rc.d that
#    keeps package scripts from starting daemons in a root that is not booted.
# 4. In the chroot: `bash scripts/setup.sh` (or SETUP_SCRIPT, to show an old one failing),
#    then the build and `node bin/hactl --version`, then every package setup.sh promises
#    is checked with dpkg-query. Markers "BARE: …" let the test read each outcome.
set -euo pipefail
project=$(cd "$1" && pwd)
cache=$2
setup=${3:-scripts/setup.sh}
bare="$cache/bare-bookworm-minbase"

mirror=${HACTL_LAB_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}

if [ ! -f "$bare/.hactl-bare" ]; then
  echo "BARE: building the bare root (debootstrap --variant=minbase bookworm $mirror)"
  mkdir -p "$cache"
  rm -rf "$bare.tmp"
  debootstrap --variant=minbase bookworm "$bare.tmp" "$mirror" >"$cache/bare-bookworm-minbase.log" 2>&1 \
    || { echo "BARE: debootstrap failed, log: $cache/bare-bookworm-minbase.log"; tail -n 5 "$cache/bare-bookworm-minbase.log"; exit 1; }
  touch "$bare.tmp/.hactl-bare"
  mv "$bare.tmp" "$bare"
fi

work=$(mktemp -d /tmp/hactl-bare.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/upper" "$work/work" "$work/root"
# the project as a fresh clone would have it: tracked files only, plus uncommitted edits
(cd "$project" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf "$work/project.tar")

export work bare project setup
unshare --mount --pid --fork --propagation private bash -euo pipefail -c '
  r=$work/root
  mount -t overlay overlay -o "lowerdir=$bare,upperdir=$work/upper,workdir=$work/work" "$r"
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount -t tmpfs tmpfs "$r/tmp"
  mkdir -p "$r/root/hactl" "$r/usr/lib/node_modules/npm"
  tar -C "$r/root/hactl" -xf "$work/project.tar"
  touch "$r/usr/bin/node"
  mount --bind -o ro "$(readlink -f "$(command -v node)")" "$r/usr/bin/node"
  mount --bind -o ro "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$r/usr/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/bin/npx"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf"
  # the trust settings of this machine (a site CA for the registries, the npm config of root), which
  # a fresh machine of this kind has as well; ca-certificates (installed by setup.sh) adds
  # the local CAs to the bundle that npm and node read
  if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$r/usr/local/share/ca-certificates"
    cp -rL /usr/local/share/ca-certificates/. "$r/usr/local/share/ca-certificates/"
  fi
  [ -f /root/.npmrc ] && cp -L /root/.npmrc "$r/root/.npmrc"
  printf "#!/bin/sh\nexit 101\n" > "$r/usr/sbin/policy-rc.d"
  chmod 755 "$r/usr/sbin/policy-rc.d"

  envs="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8"
  [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && envs="$envs NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"
  echo "BARE: before: $(chroot "$r" dpkg-query -W -f="\${Package}=\${db:Status-Abbrev} " openssh-server debootstrap iproute2 curl 2>&1 | tr "\n" " ")"
  env -i $envs \
    chroot "$r" /bin/bash -c "cd /root/hactl && bash $setup" && rc=0 || rc=$?
  echo "BARE: setup exit $rc"
  [ "$rc" = 0 ] || exit 0
  env -i $envs \
    chroot "$r" /bin/bash -c "cd /root/hactl && npx tsc -p tsconfig.json && echo \"BARE: version \$(node bin/hactl --version)\""
  # second run: idempotent and quiet (nothing left to install)
  env -i $envs \
    chroot "$r" /bin/bash -c "cd /root/hactl && bash $setup" && rc=0 || rc=$?
  echo "BARE: second setup exit $rc"
  pkgs="openssh-server openssh-client iproute2 procps psmisc curl $(grep -hv "^#" "$r/root/hactl/lab-assets/host-packages.txt" | tr "\n" " ")"
  for p in $pkgs; do
    echo "BARE: package $p $(chroot "$r" dpkg-query -W -f="\${db:Status-Abbrev}" "$p" 2>/dev/null || echo missing)"
  done
'
