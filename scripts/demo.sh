#!/usr/bin/env bash
# `make demo` until the demo milestone lands: shows the CLI and says what the demo will do.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
echo "== fleet --help"
"$bin/fleet" --help
cat <<'TXT'

== The demo (coming with the fleet CLI milestone)
`make demo` will start a hub and three spokes (us-east-1, us-west-2, eu-west-1) on 127.0.0.1,
reading the example fleet repository in fleet/, and narrate with real CLI output:
  1. the fleet converging to Synced/Healthy;
  2. a manual edit in us-west-2 detected as drift, with the field, and healed;
  3. a commit promoting a new model version rolling out to every region;
  4. a broken commit that changes nothing live, reported with file:line;
  5. a disaster-recovery drill rebuilding us-west-2 from Git, with its RTO.
Built so far: the YAML, JSON, Git, SQLite and HTTP-client layers, and the Kustomize-compatible
renderer: try `fleet build fleet/apps/inference-server/overlays/us-west-2`.
TXT
