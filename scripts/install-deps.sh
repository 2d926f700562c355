#!/usr/bin/env bash
# Installs the Debian packages given as arguments when any is missing.
# As root: one `apt-get update`, then `apt-get install` of the missing ones only.
# Otherwise: prints the exact command to run and fails, so nothing half-works.
set -euo pipefail

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: this is not a Debian-based system; install these packages (or equivalents) yourself: $*" >&2
  exit 1
fi

missing=()
for package in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
