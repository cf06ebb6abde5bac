#!/bin/sh
# CTest driver of the Java binding: `mvn package` of bindings/java/pom.xml
# (compiles the binding with SWIG's raw layer, runs the JUnit 5 tests with
# Surefire against the natives copied into the classes, builds the jar that
# carries them). Checks first that the pom's version is Quiver's.
# Usage: run-tests.sh <mvn> <gen dir> <native dir> <maven build dir> <quiver version>
set -eu
mvn=$1 gen=$2 native=$3 out=$4 version=$5
here=$(cd "$(dirname "$0")" && pwd)
pomversion=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$here/pom.xml" | head -n1)
if [ "$pomversion" != "$version" ]; then
  echo "bindings/java/pom.xml has version '$pomversion' but Quiver is $version: update the pom"
  exit 1
fi
# The build skipped the jar (Maven Central out of reach): a visible skip.
if [ -f "$out/SKIPPED" ]; then
  echo "SKIPPED: java: $(cat "$out/SKIPPED")"
  exit 77
fi
# -ntp: no download progress.
exec "$mvn" -B -ntp -f "$here/pom.xml" \
  -Dquiver.gen.dir="$gen" -Dquiver.native.dir="$native" -Dquiver.build.dir="$out" \
  -Dquiver.header="$here/../../include/quiver/quiver.h" package
