#!/bin/sh
# The Rust binding's checks, run by CTest: cargo fmt --check (where rustfmt
# is installed), cargo test, then cargo doc with
# warnings as errors (broken intra-doc links, missing docs of public items
# that rustdoc flags). Offline: the crate has no dependencies.
# Usage: run-tests.sh <cargo> <target dir>
set -eu
cargo=$1
target=$2
manifest="$(cd "$(dirname "$0")" && pwd)/Cargo.toml"
if "$cargo" fmt --version >/dev/null 2>&1; then
  "$cargo" fmt --check --manifest-path "$manifest" || { echo "run cargo fmt"; exit 1; }
fi
"$cargo" test --offline --locked --manifest-path "$manifest" --target-dir "$target"
RUSTDOCFLAGS="-D warnings" "$cargo" doc --offline --locked --no-deps \
  --manifest-path "$manifest" --target-dir "$target"
echo "cargo doc: clean"
