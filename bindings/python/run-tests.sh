#!/bin/sh
# CTest driver for the Python binding: run-tests.sh PYTHON WORKDIR LIBQUIVER [SUITE]
#
# SUITE is a folder of this directory holding pytest files and their
# requirements.txt: tests (the default) or tests_distributed (Ray; its own
# WORKDIR, so the main suite's venv never installs Ray).
#
# Makes a venv in WORKDIR (once), installs the build and test requirements
# (SUITE/requirements.txt, again only when that file changes), builds and
# installs quiver_vec from this source tree against LIBQUIVER (the build
# tree's libquiver.so, so the engine is not compiled a second time; the
# build directory WORKDIR/build is kept, so reruns rebuild only what changed)
# and runs pytest. A missing venv module or an unreachable PyPI is a visible
# skip (exit 77), as for the other bindings; a build or test failure fails.
set -eu
python=$1
work=$2
lib=$3
suite=${4:-tests}
src=$(cd "$(dirname "$0")" && pwd)
venv=$work/venv

mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "SKIPPED: python: '$python -m venv' failed (install python3-venv)"
    exit 77
  fi
fi
pip() { "$venv/bin/python" -m pip --disable-pip-version-check "$@"; }
if ! cmp -s "$src/$suite/requirements.txt" "$work/requirements.installed"; then
  if ! pip install -q -r "$src/$suite/requirements.txt"; then
    echo "SKIPPED: python: pip could not install $suite/requirements.txt (is PyPI reachable?)"
    exit 77
  fi
  cp "$src/$suite/requirements.txt" "$work/requirements.installed"
fi

set -- --config-settings="build-dir=$work/build" \
  --config-settings="cmake.define.QV_PY_LIBQUIVER=$lib"
if command -v ccache >/dev/null 2>&1; then
  set -- "$@" --config-settings=cmake.define.CMAKE_C_COMPILER_LAUNCHER=ccache \
    --config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
pip install -q --no-build-isolation --no-deps --force-reinstall "$@" "$src"

cd "$work"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -o faulthandler_timeout=120 -rs \
  "$src/$suite"
