#!/usr/bin/env bash
# The main job on the built-in lab: three Debian nodes in namespaces on this machine,
# then a Corosync/Pacemaker cluster built on them by `hactl bootstrap`, then smoke checks.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:-pacemaker}
node bin/hactl lab up --recreate --stack "$stack"
node bin/hactl bootstrap -i /var/lib/hactl/lab/inventory.yaml
echo
echo "Try: node bin/hactl plan -i /var/lib/hactl/lab/inventory.yaml bootstrap   (nothing to do)"
echo "     node bin/hactl lab ssh master        node bin/hactl lab down"
