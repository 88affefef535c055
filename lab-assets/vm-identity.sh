#!/bin/sh
# /usr/local/sbin/hactl-identity in the hactl VM lab image, run at boot before the network
# and sshd (hactl-identity.service). hactl (src/lab/vm/qemu.ts) hands each VM its identity
# through qemu fw_cfg (-fw_cfg name=opt/hactl/FILE,file=…): hostname, /etc/hosts, its own
# ssh host key, the lab's client key, and eth0's address (set here: no ifupdown, whose
# `udevadm settle` costs half a minute under TCG), and eth1's on the backplane when hactl
# passes one (`lab up --vm --backplane`). Rewritten on every boot, so a VM's
# identity is whatever hactl passes, even on a kept overlay.
set -eu
modprobe qemu_fw_cfg 2>/dev/null || true
D=/sys/firmware/qemu_fw_cfg/by_name/opt/hactl
if [ ! -d "$D" ]; then
  echo "hactl-identity: qemu passed no identity (no $D)" >&2
  exit 0
fi
get() { cat "$D/$1/raw"; }

get hostname > /etc/hostname
hostname "$(cat /etc/hostname)"
get hosts > /etc/hosts
(umask 077; get ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key)
get ssh_host_ed25519_key.pub > /etc/ssh/ssh_host_ed25519_key.pub
install -d -m700 /root/.ssh
(umask 077; get authorized_keys > /root/.ssh/authorized_keys)
# eth0 exists early (virtio_net is in the initramfs); wait briefly in case it does not
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# brd +: heartbeat's bcast media needs the broadcast address
ip addr replace "$(get address)" brd + dev eth0
ip link set eth0 up
# the backplane NIC (a second bridge): no broadcast media there, only corosync's knet and DRBD
if [ -e "$D/backplane" ]; then
  i=0
  while [ ! -e /sys/class/net/eth1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  ip addr replace "$(get backplane)" dev eth1
  ip link set eth1 up
fi
echo "hactl-identity: $(cat /etc/hostname)"
