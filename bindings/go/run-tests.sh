#!/bin/sh
# The Go binding's checks, run by CTest in this folder: gofmt, go vet, go test.
# libquiver comes from pkg-config (CTest points PKG_CONFIG_PATH at the build
# tree's quiver.pc). Usage: run-tests.sh [go binary]
set -eu
go=${1:-go}
cd "$(dirname "$0")"
gofmt=$(dirname "$(command -v "$go")")/gofmt
[ -x "$gofmt" ] || gofmt=gofmt
unformatted=$("$gofmt" -l .)
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted (run gofmt -w):"; echo "$unformatted"; exit 1
fi
"$go" vet ./...
"$go" test -count=1 -v ./...
