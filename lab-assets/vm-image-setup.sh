#!/bin/bash
# Turns a debootstrapped root (HA packages already installed) into the root of the hactl
# VM lab image. Run by hactl (src/lab/vm/image.ts) on the host, as root, before
# `mkfs.ext4 -d`:   bash vm-image-setup.sh ROOT REPO_URL IDENTITY_SCRIPT
# The image is shared by every VM: nothing here may be per-VM (no host key, no hostname,
# no address); hactl-identity sets those at boot from what qemu hands the VM.
set -euo pipefail
R=$1 REPO=$2 IDENT=$3

# per-VM identity from qemu fw_cfg, before the network and sshd start
install -m755 "$IDENT" "$R/usr/local/sbin/hactl-identity"
cat > "$R/etc/systemd/system/hactl-identity.service" <<'X'
[Unit]
Description=hactl lab: this VM's identity from qemu fw_cfg
DefaultDependencies=no
After=local-fs.target
Before=network-pre.target networking.service ssh.service sysinit.target
Wants=network-pre.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/hactl-identity
[Install]
WantedBy=sysinit.target
X
chroot "$R" systemctl enable hactl-identity.service

# no baked-in host key: each VM gets its own, made on the host (known_hosts is strict)
rm -f "$R"/etc/ssh/ssh_host_*
mkdir -p "$R/etc/ssh/sshd_config.d"
printf '# hactl lab: only the per-VM ed25519 host key exists\nHostKey /etc/ssh/ssh_host_ed25519_key\nUseDNS no\n' \
  > "$R/etc/ssh/sshd_config.d/hactl-lab.conf"

# Boot time is CPU time under TCG, and udev is the slow part: nothing on the way to sshd
# may wait for it. The kernel mounts / read-write (root=/dev/vda rw), so fstab names no
# device to wait for; eth0's address comes from hactl-identity, not from ifupdown's
# networking.service (which runs `udevadm settle`).
printf '# / is mounted by the kernel (root=/dev/vda rw): no entry, so boot waits for no udev device\n' > "$R/etc/fstab"
# coldplug modules for q35 devices and CPU features the lab never uses
printf 'blacklist %s\n' kvm kvm_amd kvm_intel ahci iTCO_wdt lpc_ich i2c_i801 pcspkr > "$R/etc/modprobe.d/hactl-lab.conf"
chroot "$R" systemctl mask systemd-binfmt.service proc-sys-fs-binfmt_misc.automount >/dev/null

# apt sees only the lab repo on the bridge: the VMs have no route out of the lab
rm -f "$R/etc/apt/sources.list" "$R"/etc/apt/sources.list.d/*
echo "deb [trusted=yes] $REPO ./" > "$R/etc/apt/sources.list.d/hactl-lab.list"
find "$R/var/lib/apt/lists" -maxdepth 1 -type f -delete

# installed, not started: the cluster (or hactl bootstrap) decides where daemons run.
# sbd's postinst enables it, and it is RequiredBy corosync: left enabled, corosync would
# not start without an /etc/default/sbd; hactl bootstrap enables it when SBD is configured
for u in corosync pacemaker heartbeat apache2 ldirectord drbd ipvsadm sbd mariadb nfs-server; do
  chroot "$R" systemctl disable "$u" >/dev/null 2>&1 || true
done
# nothing periodic competing for the (emulated) CPU
chroot "$R" systemctl disable apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
  e2scrub_all.timer fstrim.timer man-db.timer e2scrub_reap.service >/dev/null 2>&1 || true

# an empty machine-id: systemd makes a unique one on each VM's first boot
: > "$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id"
# no DNS in the lab: an empty resolv.conf fails lookups at once instead of timing out
rm -f "$R/etc/resolv.conf"; : > "$R/etc/resolv.conf"

# a small initramfs: only what mounts / from virtio
sed -i 's/^MODULES=.*/MODULES=list/' "$R/etc/initramfs-tools/initramfs.conf"
printf 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' > "$R/etc/initramfs-tools/modules"
chroot "$R" update-initramfs -u -k all
chroot "$R" apt-get clean
