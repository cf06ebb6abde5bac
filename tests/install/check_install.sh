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
# rpath), Node (npm pack, npm install of the tarball, the library found
# through pkg-config's libdir), Java (the installed jar put in Maven's local
# repository with install:install-file, a Maven project depending on it, run
# with no -Djava.library.path: the jar loads its own natives) and C# (mcs
# against the installed Quiver.dll, the folder's files copied next to the
# program, mono with no MONO_PATH). A binding whose toolchain is missing is
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
jar=$(ls "$prefix"/share/java/quiver-*.jar 2>/dev/null | head -n1 || true)
if [[ -n "$jar" ]] && command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  echo "== Java: Maven project depending on the installed jar (no -Djava.library.path)"
  version=$(basename "$jar" .jar)
  version=${version#quiver-}
  mvn -B -ntp -q org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file \
    -Dfile="$jar" -DpomFile="${jar%.jar}.pom"
  cp -r "$src/tests/install/java_consumer" "$work/java"
  (cd "$work/java" && mvn -B -ntp -q -Dquiver.version="$version" package)
  m2jar="$HOME/.m2/repository/io/quiver/quiver/$version/quiver-$version.jar"
  out=$(java -cp "$work/java/target/classes:$m2jar" example.Hello)
  echo "$out"
  grep -q "nearest: 42" <<<"$out" || { echo "hello (Java) did not find key 42: $out"; exit 1; }
  grep -q "^HNSW COSINE I8$" <<<"$out" || { echo "hello (Java): info names: $out"; exit 1; }
else
  echo "== Java: skipped (no installed jar, mvn or java)"
fi
if [[ -e "$libdir/quiver/csharp/Quiver.dll" ]] && command -v mcs >/dev/null 2>&1 &&
   command -v mono >/dev/null 2>&1; then
  echo "== C#: program against the installed Quiver.dll, its folder copied next to it"
  mkdir "$work/csharp"
  mcs -nologo -r:"$libdir/quiver/csharp/Quiver.dll" -out:"$work/csharp/Hello.exe" \
    "$src/tests/install/csharp_consumer/Hello.cs"
  cp "$libdir/quiver/csharp/"* "$work/csharp/"
  # This prefix is not the one configured (nor a system one): the README says
  # to copy libquiver too then.
  cp "$libdir/libquiver.so.0" "$work/csharp/"
  out=$(env -u MONO_PATH mono "$work/csharp/Hello.exe")
  echo "$out"
  grep -q "nearest: 42" <<<"$out" || { echo "hello (C#) did not find key 42: $out"; exit 1; }
  grep -q "^Hnsw Cosine I8$" <<<"$out" || { echo "hello (C#): info names: $out"; exit 1; }
  echo "== C#: the same program beside Quiver.dll in the prefix (libquiver through \$ORIGIN/../..)"
  cp "$work/csharp/Hello.exe" "$libdir/quiver/csharp/"
  out=$(env -u MONO_PATH mono "$libdir/quiver/csharp/Hello.exe")
  grep -q "nearest: 42" <<<"$out" || { echo "hello (C#, in the prefix) failed: $out"; exit 1; }
else
  echo "== C#: skipped (no installed Quiver.dll, mcs or mono)"
fi
echo "install check passed"
