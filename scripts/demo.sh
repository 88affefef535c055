#!/usr/bin/env bash
# The main job on the built-in lab: three Debian nodes in namespaces on this machine, the
# lab's fence device, then a fenced Corosync/Pacemaker (or Heartbeat: `demo.sh heartbeat`)
# cluster built on them by `hactl bootstrap`, which ends with smoke checks.
set -uo pipefail
cd "$(dirname "$0")/.."
stack=${1:-pacemaker}
inv=/var/lib/hactl/lab/inventory.yaml

step() { # step WHAT COMMAND…: runs it, and on failure says which step failed and what to try
  local what=$1
  shift
  "$@" && return 0
  local rc=$?
  echo "demo: FAILED: $what (exit $rc) — the lines above say why; \`node bin/hactl lab status\` shows the lab," \
    "\`node bin/hactl lab down\` removes it" >&2
  exit "$rc"
}

step "lab up" node bin/hactl lab up --recreate --stack "$stack"
step "lab fence up" node bin/hactl lab fence up
step "bootstrap" node bin/hactl bootstrap -i "$inv"

vip=$(node --input-type=module -e 'import { readFileSync } from "node:fs"; import { parse } from "yaml";
  const ip = parse(readFileSync(process.argv[1], "utf8"))?.cluster?.floating_ips?.[0]; process.stdout.write(String(ip ?? "").split("/")[0]);' "$inv")
cat <<EOF

The cluster is up, fenced (fence_lab), and answers on its floating IP: http://${vip:-the floating IP}/
  curl http://${vip:-VIP}/                    # from this machine (the lab's host link)
Next:
  node bin/hactl failover-test -i $inv -s switchover -s kill-stack --yes   # measure a failover as clients see it
  node bin/hactl drift -i $inv                     # read-only: is the cluster still what the inventory says?
  node bin/hactl plan -i $inv bootstrap            # a second run has nothing to do
  node bin/hactl lab ssh master                    # look around; crm_mon -1
  node bin/hactl lab down                          # remove the lab
EOF
