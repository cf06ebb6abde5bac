#!/usr/bin/env bash
# Installs the built library into a temporary prefix, then builds programs
# outside the tree against it the two ways users do: pkg-config and
# find_package(Quiver). Runs each and checks its output. Everything runs
# with no LD_LIBRARY_PATH: the installed `quiver` finds libquiver through its
# install RPATH ($ORIGIN/../lib, so a moved prefix works too), a pkg-config
# program through the rpath the README tells users to add. Then one program
# per binding, from its README, outside the tree and against the prefix
# only: Go (a replace directive, #cgo pkg-config, go build -ldflags -r),
# Rust (a path dependency, build.rs through pkg-config, DEP_QUIVER_LIBDIR
# rpath) and Node (npm pack, npm install of the tarball, the library found
# through pkg-config's libdir). A binding whose toolchain is missing is
# skipped and says so.
# Usage: check_install.sh <build dir> <source dir>
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A fresh prefix at the same path on every run: Go's build cache keys a cgo
# package by its source, not by what pkg-config answers, so a package built
# against another prefix would be linked from the cache with that prefix's -L.
keep="$build/install-check"
prefix="$keep/prefix"
rm -rf "$prefix"
mkdir -p "$keep"

unset LD_LIBRARY_PATH
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n1)
libdir=${libdir%/}
# The library must carry its soname and export only qv_ symbols.
soname=$(objdump -p "$libdir/libquiver.so" | awk '/SONAME/ {print $2}')
[[ "$soname" == "libquiver.so.0" ]] || { echo "unexpected soname '$soname'"; exit 1; }
exported=$(nm -D --defined-only "$libdir/libquiver.so" | awk '$2 ~ /^[TDB]$/ {print $3}')
stray=$(grep -v '^qv_' <<<"$exported" || true)
[[ -z "$stray" ]] || { echo "symbols outside the qv_ API are exported:"; echo "$stray"; exit 1; }

if [[ -e "$prefix/bin/quiver" ]]; then
  echo "== installed quiver --version"
  "$prefix/bin/quiver" --version | grep -q "^quiver [0-9]" ||
    { echo "installed quiver --version failed"; exit 1; }
  mv "$prefix" "$work/moved"
  "$work/moved/bin/quiver" --version >/dev/null ||
    { echo "quiver in a moved prefix does not find libquiver"; exit 1; }
  mv "$work/moved" "$prefix"
fi

echo "== pkg-config (with the rpath the README gives)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c99 -Wall -Wextra -pedantic -Werror "$src/examples/hello.c" \
  $(pkg-config --cflags --libs quiver) -Wl,-rpath,"$(pkg-config --variable=libdir quiver)" \
  -o "$work/hello_pc"
out=$("$work/hello_pc")
echo "$out"
grep -q "key 100" <<<"$out" || { echo "hello (pkg-config) did not find key 100"; exit 1; }

echo "== find_package(Quiver)"
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DQV_EXAMPLE="$src/examples/hello.c" >/dev/null
cmake --build "$work/consumer" >/dev/null
out=$("$work/consumer/hello_cmake")
grep -q "key 100" <<<"$out" || { echo "hello (CMake package) did not find key 100"; exit 1; }
if command -v go >/dev/null 2>&1; then
  echo "== Go module against the installed quiver.pc (no CGO_* variables)"
  mkdir "$work/go"
  cp "$src/tests/install/go_consumer/main.go" "$work/go/"
  printf '%s\n' "module example.com/hello" "" "go 1.19" "" \
    "require github.com/quiver-search/quiver/bindings/go v0.0.0" "" \
    "replace github.com/quiver-search/quiver/bindings/go => $src/bindings/go" >"$work/go/go.mod"
  # Kept between runs: a fresh cache compiles the standard library again (a
  # minute on two cores). Not the bindings test's cache: that one holds the
  # package built against the build tree (see above).
  gocache="$keep/gocache"
  (cd "$work/go" && GOPROXY=off GOFLAGS= GOTOOLCHAIN=local GOCACHE="$gocache" GOPATH="$work/gopath" \
    go build -ldflags "-r $(pkg-config --variable=libdir quiver)" -o hello .)
  out=$("$work/go/hello")
  grep -q "nearest: 42" <<<"$out" || { echo "hello (Go) did not find key 42: $out"; exit 1; }
  chmod -R u+w "$work" # the module cache is read-only
else
  echo "== Go: skipped (no go toolchain)"
fi
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
if [[ -x "$cargo" ]]; then
  echo "== Rust crate against the installed quiver.pc (no QUIVER_LIB_DIR)"
  cp -r "$src/tests/install/rust_consumer" "$work/rust"
  printf '%s\n' '[package]' 'name = "hello"' 'version = "0.1.0"' 'edition = "2021"' '' \
    '[dependencies]' "quiver = { path = \"$src/bindings/rust\" }" >"$work/rust/Cargo.toml"
  (cd "$work/rust" && CARGO_TARGET_DIR="$work/rust/target" "$cargo" build --offline --quiet)
  out=$("$work/rust/target/debug/hello")
  grep -q "nearest: 42" <<<"$out" || { echo "hello (Rust) did not find key 42: $out"; exit 1; }
else
  echo "== Rust: skipped (no cargo)"
fi
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  echo "== Node package (npm pack, then npm install of the tarball) against the installed Quiver"
  mkdir "$work/node"
  (cd "$src/bindings/node" && npm pack --silent --pack-destination "$work/node" >/dev/null)
  cp "$src/tests/install/node_consumer/hello.js" "$work/node/"
  if (cd "$work/node" && npm init -y >/dev/null &&
      npm install --no-audit --no-fund --prefer-offline --loglevel=error ./quiver-search-quiver-*.tgz); then
    out=$(cd "$work/node" && env -u QUIVER_LIB node hello.js)
    grep -q "nearest: 42" <<<"$out" || { echo "hello (Node) did not find key 42: $out"; exit 1; }
    grep -q "^hnsw cosine$" <<<"$out" || { echo "hello (Node): info() names: $out"; exit 1; }
  else
    echo "== Node: skipped (npm could not install koffi: is the npm registry reachable?)"
  fi
else
  echo "== Node: skipped (no node or npm)"
fi
echo "install check passed"
