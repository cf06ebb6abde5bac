#!/usr/bin/env bash
# Builds quiver_bench (Release, -DQV_BUILD_BENCH=ON) into build-bench/ and runs
# it on the real data sets (siftsmall, bigann10k, mnist), writing
# bench/results/<dataset>-<timestamp>.{md,csv,png}.
#
#   bench/run.sh                      full ef sweep on the three real sets
#   bench/run.sh --quick              short sweep
#   bench/run.sh --scale              ... then 1M x 128 uniform random as well
#   bench/run.sh --dataset siftsmall  any quiver_bench flag is passed on;
#                                     --dataset replaces the default set list
#
# Environment: BUILD_DIR (default <repo>/build-bench), JOBS (default nproc).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${BUILD_DIR:-$root/build-bench}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 4)}"

scale=0
have_dataset=0
have_out=0
args=()
for a in "$@"; do
  case "$a" in
    --scale) scale=1 ;;
    --dataset) have_dataset=1; args+=("$a") ;;
    --out) have_out=1; args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done
[[ $have_dataset -eq 1 ]] || args=(--dataset real "${args[@]}")
[[ $have_out -eq 1 ]] || args=(--out "$here/results" "${args[@]}")

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DQV_BUILD_BENCH=ON \
  -DQV_BUILD_TESTS=OFF -DQV_BUILD_EXAMPLES=OFF -DQV_BUILD_CLI=OFF
cmake --build "$build" --target quiver_bench -j "$jobs"

bench="$build/bench/quiver_bench"
status=0
"$bench" "${args[@]}" || status=$?

if [[ $scale -eq 1 ]]; then
  # Generated data: say so when quoting these figures. The single-thread build
  # is skipped at this size (it would take tens of minutes per engine).
  scale_args=()
  skip=0
  for a in "${args[@]}"; do   # drop the real-set list, keep the other flags
    if [[ $skip -eq 1 ]]; then skip=0; continue; fi
    if [[ "$a" == "--dataset" ]]; then skip=1; continue; fi
    scale_args+=("$a")
  done
  "$bench" "${scale_args[@]}" --dataset random --n 1000000 --dim 128 --nq 1000 --st-build off || status=$?
fi
exit $status
