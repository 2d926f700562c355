#!/usr/bin/env bash
# `make demo` until the full demo lands (issue 8): a short real run of what is built, with no
# hub process: plans rendered from the example fleet repository, applied to three embedded
# local clusters, a manual edit detected as drift and healed, a wiped cluster rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
state=$(mktemp -d /tmp/fleet-demo.XXXXXX)
trap 'rm -rf "$state"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "The fleet repository (fleet/): clusters, an ApplicationSet, regional overlays"
"$bin/fleet" appset generate fleet/applicationsets/inference-server.yaml --clusters fleet/clusters --repo fleet | grep -E '^  name:|path:'

for cluster in us-east-1 us-west-2 eu-west-1; do
  say "Plan for $cluster, applied to its local cluster"
  "$bin/fleet" render --repo fleet --cluster "$cluster" > "$state/$cluster.json"
  "$bin/spoke" apply --plan "$state/$cluster.json" --state "$state/$cluster" --wait-healthy --timeout 30s --ready-delay 300ms \
    | grep -E '"(synced|healthy)"'
  "$bin/spoke" local list --state "$state/$cluster"
done

say "A manual change in us-west-2: replicas edited by hand"
"$bin/spoke" local scale deployment/ml-serving/inference-server --replicas 7 --state "$state/us-west-2"
"$bin/spoke" apply --plan "$state/us-west-2.json" --state "$state/us-west-2" --dry-run 2>/dev/null | grep -A3 '"pointer"' || true

say "Self-heal: the plan is applied again"
"$bin/spoke" apply --plan "$state/us-west-2.json" --state "$state/us-west-2" | grep -E '"(synced|healthy)"'

say "Disaster: us-west-2 is wiped, then rebuilt from Git with no hub"
"$bin/spoke" local wipe --state "$state/us-west-2"
start=$(date +%s%N)
"$bin/spoke" apply --plan "$state/us-west-2.json" --state "$state/us-west-2" --wait-healthy --timeout 30s --ready-delay 300ms | grep -E '"(synced|healthy)"'
echo "rebuilt in $(( ($(date +%s%N) - start) / 1000000 )) ms"

cat <<'TXT'

== Next
The full demo (issue 8) runs a hub and three spokes on 127.0.0.1 and narrates a model promotion
commit, a broken commit reported with file:line, and a DR drill with its RTO. Until then:
  hub --config hub/hub.yaml        (edit the repository URL first; docs/api.md)
  spoke --config spoke/spoke.yaml  (spoke/README.md)
TXT
