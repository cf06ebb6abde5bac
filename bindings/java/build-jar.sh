#!/bin/sh
# Build step of the Java binding: `mvn package -DskipTests` of pom.xml, the
# jar that cmake --install installs. When Maven cannot reach its registry
# (its plugins are fetched from Maven Central once, into ~/.m2), the rest of
# Quiver must still build: the jar is then skipped, visibly, with the reason
# in <maven build dir>/SKIPPED, which run-tests.sh reports as a skip and the
# install step leaves out. Any other Maven failure fails the build.
# Usage: build-jar.sh <mvn> <maven build dir> <mvn args...>
set -u
mvn=$1 out=$2
shift 2
mkdir -p "$out"
rm -f "$out/SKIPPED"
log="$out/mvn-package.log"
if "$mvn" "$@" -DskipTests package >"$log" 2>&1; then
  exit 0
fi
if grep -Eq "Could not (transfer|resolve)|UnknownHost|Unknown host|Network is unreachable|Connection (refused|timed out)|offline mode" "$log"; then
  reason="Maven could not fetch its plugins from Maven Central (offline or blocked?); the Java jar was not built. Reach Maven Central (or fill ~/.m2) and build again; see $log"
  echo "$reason" >"$out/SKIPPED"
  echo "WARNING: java: $reason" >&2
  exit 0
fi
cat "$log" >&2
echo "java: mvn package failed (log above, also in $log)" >&2
exit 1
