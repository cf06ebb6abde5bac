#!/bin/sh
# CTest driver for the Node binding: run-tests.sh NODE NPM WORKDIR
# Installs koffi and typescript (pinned by package-lock.json) into WORKDIR
# with `npm ci` unless the same lock is installed there already, checks
# index.d.ts with `tsc`, then runs `node --test` with NODE_PATH pointing at
# WORKDIR/node_modules. When npm cannot install
# koffi (no registry), the test is reported as skipped (exit 77).
set -eu
node=$1
npm=$2
work=$3
src=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$work"
if ! cmp -s "$src/package-lock.json" "$work/package-lock.json" ||
   [ ! -f "$work/node_modules/koffi/package.json" ] ||
   [ ! -f "$work/node_modules/typescript/package.json" ]; then
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  if ! (cd "$work" && "$npm" ci --no-audit --no-fund --ignore-scripts --loglevel=error); then
    rm -f "$work/package-lock.json"
    echo "SKIPPED: node: npm could not install koffi (is the npm registry reachable?)"
    exit 77
  fi
fi
# The TypeScript declarations (index.d.ts) against a program using them.
"$node" "$work/node_modules/typescript/bin/tsc" -p "$src/tsconfig.json"
echo "tsc: index.d.ts checks"
NODE_PATH="$work/node_modules" exec "$node" --test "$src"/test/*.test.js
