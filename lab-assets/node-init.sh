#!/bin/bash
# PID 1 of one `hactl lab` node. hactl (src/lab/ns/node.ts) starts it in fresh pid, mount,
# uts and ipc namespaces inside the node's netns:
#   nsenter --net=/run/netns/hactl-lab-NAME unshare --mount --uts --ipc --pid --fork \
#     --propagation private bash node-init.sh NAME LOWER NODEDIR
# LOWER is the shared read-only Debian root; NODEDIR/upper + NODEDIR/work are the node's
# disk (kept across power-off/boot) into which hactl already wrote the node's identity
# (hostname, host key, authorized_keys). Output goes to NODEDIR/console.log.
set -euo pipefail
N=$1 LOWER=$2 D=$3
R=$D/root

hostname "$N"
mkdir -p "$D/upper" "$D/work" "$R"
mount -t overlay "hactl-$N" -o "lowerdir=$LOWER,upperdir=$D/upper,workdir=$D/work" "$R"

# kernel file systems; sysfs mounted in this netns shows only the node's interfaces
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
# a small private /dev: a node must not see (or break) the host's devices
mount -t tmpfs -o mode=755,size=16m dev "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3
mknod -m 666 "$R/dev/zero" c 1 5
mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8
mknod -m 666 "$R/dev/urandom" c 1 9
mknod -m 666 "$R/dev/tty" c 5 0
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
# per-node /dev/shm: corosync/pacemaker (libqb) name shm files by PID, and PIDs repeat
# across pid namespaces, so a shared /dev/shm makes nodes clobber each other
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
# fresh /run and /tmp on every boot, like a real machine
mount -t tmpfs -o mode=755,size=256m run "$R/run"
mkdir -p "$R/run/lock" "$R/run/sshd"
chmod 1777 "$R/run/lock"
: >"$R/run/hactl-lab-netns" # this node shares the host kernel: hactl refuses to load softdog (a reset would hit the host)
mount -t tmpfs -o mode=1777 tmp "$R/tmp"

cd "$R"
mkdir -p .oldroot
pivot_root . .oldroot
cd /
# detach the host's tree: the node must see only its own root
umount -l /.oldroot
rmdir /.oldroot 2>/dev/null || true

/usr/sbin/sshd -E /var/log/sshd.log   # daemonizes
echo "node $N up"

# PID 1 reaps orphans (bash's SIGCHLD handling waits for every child, adopted or not).
# SIGKILL from the host is the power switch: the kernel then kills the whole pid namespace.
trap 'exit 0' TERM INT
while :; do
  sleep 5 &
  wait $! || true
done
