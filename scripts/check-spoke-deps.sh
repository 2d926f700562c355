#!/usr/bin/env bash
# The spoke must stay light (DESIGN.md): no full Foundation, no SwiftNIO/Hummingbird, no GRDB.
# Checks the built binary: its shared-library list and the Swift modules in its symbols.
set -euo pipefail
binary=${1:-.build/debug/spoke}
[[ -x "$binary" ]] || { echo "check-spoke-deps: $binary not built" >&2; exit 1; }

fail=0
if ldd "$binary" | grep -E 'lib(Foundation|FoundationNetworking|FoundationXML)\.so' >/dev/null; then
  echo "check-spoke-deps: $binary links full Foundation:" >&2
  ldd "$binary" | grep -E 'libFoundation' >&2
  fail=1
fi
# Mangled Swift symbols start with $s<length><module>; look for the forbidden modules.
for module in GRDB NIOCore NIOPosix Hummingbird; do
  if nm "$binary" 2>/dev/null | grep -q "\$s${#module}${module}"; then
    echo "check-spoke-deps: $binary contains code from $module" >&2
    fail=1
  fi
done
[[ $fail -eq 0 ]] && echo "check-spoke-deps: $binary is free of Foundation, SwiftNIO, Hummingbird and GRDB"
exit $fail
