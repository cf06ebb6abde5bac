#!/bin/sh
# The quiver tool's vector commands end to end: build, info, search (with
# and without ground truth, load and mmap), export, and the errors a user
# hits: missing file, wrong dimension, corrupt index, bad arguments.
# Each failure must exit non-zero with a one-line message naming the problem.
# Usage: test_cli_vectors.sh <quiver binary> <python3 or "">
set -u
quiver=$1
python=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_ok() {  # description, command...
  what=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  rc=$?
  [ "$rc" -eq 0 ] || fail "$what: exit $rc ($(cat "$work/err"))"
}
expect_error() {  # description, expected exit, pattern, command...
  what=$1 code=$2 pattern=$3; shift 3
  "$@" >"$work/out" 2>"$work/err"
  rc=$?
  [ "$rc" -eq "$code" ] || fail "$what: exit $rc, expected $code"
  lines=$(wc -l <"$work/err")
  [ "$lines" -eq 1 ] || fail "$what: expected a one-line message, got $lines lines: $(cat "$work/err")"
  grep -q -e "$pattern" "$work/err" || fail "$what: message lacks '$pattern': $(cat "$work/err")"
}

# 300 distinct vectors of dim 8 (element j of row i is i*(j+1) mod 1009; the
# first element is i itself), written as .fvecs; queries are rows 0..9, so
# each query's nearest neighbour is its own row, at distance 0.
awk 'BEGIN { for (i = 0; i < 300; i++) { printf "%d", 8; for (j = 0; j < 8; j++) printf " %d", (i * (j + 1)) % 1009; printf "\n" } }' \
  >"$work/base.txt"
to_fvecs() {  # text rows "d v1 .. vd" -> fvecs (little-endian int32 d, float32 values)
  perl -ne '@f = split; print pack("l<", shift @f), pack("f<*", @f)' "$1" >"$2"
}
to_fvecs "$work/base.txt" "$work/base.fvecs"
head -n 10 "$work/base.txt" >"$work/query.txt"
to_fvecs "$work/query.txt" "$work/query.fvecs"
perl -e 'for $i (0..9) { print pack("l<", 1), pack("l<", $i) }' >"$work/gt.ivecs"
awk '{ printf "4"; for (j = 2; j <= 5; j++) printf " %s", $j; printf "\n" }' "$work/query.txt" >"$work/q4.txt"
to_fvecs "$work/q4.txt" "$work/q4.fvecs"

expect_ok "help" "$quiver" --help
for c in build search info export demo; do expect_ok "$c --help" "$quiver" "$c" --help; done
expect_ok "build hnsw" "$quiver" build --input "$work/base.fvecs" -o "$work/idx.qv" --quiet
expect_ok "build flat ip" "$quiver" build --input "$work/base.fvecs" --index flat --metric ip -o "$work/flat.qv" --quiet
# Row 0 is the zero vector: cosine cannot normalise it, and says so.
expect_error "cosine zero vector" 1 "zero length" "$quiver" build --input "$work/base.fvecs" --metric cosine -o "$work/cos.qv"

expect_ok "info" "$quiver" info "$work/idx.qv"
grep -q "vectors *300" "$work/out" || fail "info: expected 300 vectors: $(cat "$work/out")"
grep -q "dimension *8" "$work/out" || fail "info: expected dimension 8"
cp "$work/out" "$work/info.out"
expect_ok "inspect" "$quiver" inspect "$work/idx.qv"
cmp -s "$work/out" "$work/info.out" || fail "inspect: expected the same report as info"

expect_ok "search with ground truth" "$quiver" search "$work/idx.qv" --query "$work/query.fvecs" -k 1 --groundtruth "$work/gt.ivecs"
grep -q "recall@1 1.0000" "$work/out" || fail "search: expected recall@1 1.0000: $(cat "$work/out")"
expect_ok "search mmap" "$quiver" search "$work/idx.qv" --query "$work/query.fvecs" -k 3 --mmap
[ "$(wc -l <"$work/out")" -eq 10 ] || fail "search: expected 10 result lines"
head -n 1 "$work/out" | grep -q "^0 0:0 " || fail "search: query 0 should find key 0 at distance 0: $(head -n 1 "$work/out")"

expect_ok "export" "$quiver" export "$work/idx.qv" --npy "$work/out"
[ -s "$work/out.vectors.npy" ] && [ -s "$work/out.keys.npy" ] || fail "export: files missing"
if [ -n "$python" ] && "$python" -c "import numpy" 2>/dev/null; then
  "$python" -c "
import numpy as np, sys
v = np.load('$work/out.vectors.npy'); k = np.load('$work/out.keys.npy')
assert v.shape == (300, 8) and v.dtype == np.float32, v.shape
assert k.shape == (300,) and k.dtype == np.uint64
assert sorted(k.tolist()) == list(range(300))
" || fail "export: numpy could not read the files back"
  expect_ok "build from npy" "$quiver" build --input "$work/out.vectors.npy" -o "$work/npy.qv" --quiet
  # Keys from a .npy (row i under key 7 i + 5), results to .npy.
  "$python" -c "import numpy as np; k = np.arange(300, dtype=np.uint64) * 7 + 5; np.save('$work/keys7.npy', k); np.save('$work/keys299.npy', k[:299])"
  expect_ok "build with keys" "$quiver" build --input "$work/out.vectors.npy" --keys "$work/keys7.npy" -o "$work/keyed.qv" --quiet
  expect_ok "search to npy" "$quiver" search "$work/keyed.qv" --query "$work/out.vectors.npy" -k 2 --limit 20 --npy "$work/res" --quiet
  "$python" -c "
import numpy as np
k = np.load('$work/res.keys.npy'); d = np.load('$work/res.distances.npy')
assert k.shape == (20, 2) and k.dtype == np.uint64 and d.shape == (20, 2) and d.dtype == np.float32
assert (k[:, 0] == np.arange(20, dtype=np.uint64) * 7 + 5).all(), k[:, 0]
assert (d[:, 0] == 0).all(), d[:, 0]
" || fail "build --keys / search --npy: wrong keys or files"
  expect_error "keys count" 1 "holds 299 keys for 300 vectors" "$quiver" build --input "$work/out.vectors.npy" --keys "$work/keys299.npy" -o "$work/x.qv"
else
  echo "SKIPPED: numpy checks (no python3 with numpy)"
fi

for st in f16 i8; do
  expect_ok "build $st" "$quiver" build --input "$work/base.fvecs" --storage $st -o "$work/$st.qv" --quiet
  expect_ok "info $st" "$quiver" info "$work/$st.qv"
  grep -q "storage *$st" "$work/out" || fail "info: expected storage $st: $(cat "$work/out")"
  expect_ok "search $st" "$quiver" search "$work/$st.qv" --query "$work/query.fvecs" -k 1 --rerank 5 --groundtruth "$work/gt.ivecs"
  grep -q "recall@1 1.0000" "$work/out" || fail "search $st: expected recall@1 1.0000: $(cat "$work/out")"
done
grep -q "float32 originals kept" "$work/info.out" && fail "info: an f32 index keeps no originals"
expect_error "b1 under l2" 2 "b1 needs --metric cosine or ip" "$quiver" build --input "$work/base.fvecs" --storage b1 -o "$work/x.qv"
expect_error "bad storage" 2 "--storage must be" "$quiver" build --input "$work/base.fvecs" --storage f8 -o "$work/x.qv"
expect_ok "build flat i8" "$quiver" build --input "$work/base.fvecs" --index flat --storage i8 -o "$work/flat-i8.qv" --quiet
expect_ok "search flat i8" "$quiver" search "$work/flat-i8.qv" --query "$work/query.fvecs" -k 1 --groundtruth "$work/gt.ivecs"
grep -q "recall@1 1.0000" "$work/out" || fail "search flat i8: expected recall@1 1.0000: $(cat "$work/out")"
expect_error "missing input" 1 "no-such.fvecs" "$quiver" build --input "$work/no-such.fvecs" -o "$work/x.qv"
expect_error "missing index" 1 "QV_ERR_NOT_FOUND" "$quiver" search "$work/none.qv" --query "$work/query.fvecs"
expect_error "wrong dimension" 1 "dimension" "$quiver" search "$work/idx.qv" --query "$work/q4.fvecs"
expect_error "unknown type" 1 "unknown vector file type" "$quiver" build --input "$work/base.txt" -o "$work/x.qv"
expect_error "bad metric" 2 "metric" "$quiver" build --input "$work/base.fvecs" --metric manhattan -o "$work/x.qv"
expect_error "no output" 2 "output" "$quiver" build --input "$work/base.fvecs"
expect_error "k zero" 2 "k" "$quiver" search "$work/idx.qv" --query "$work/query.fvecs" -k 0
expect_error "not a number" 2 "whole number" "$quiver" search "$work/idx.qv" --query "$work/query.fvecs" -k ten
expect_error "k negative" 2 "^quiver search: -k expects" "$quiver" search "$work/idx.qv" --query "$work/query.fvecs" -k -1
: >"$work/empty.fvecs"
expect_error "empty query file" 1 "empty.fvecs: holds no vectors" "$quiver" search "$work/idx.qv" --query "$work/empty.fvecs"
expect_error "m out of range" 2 "--m is 1; it must be between 2 and 256" "$quiver" build --input "$work/base.fvecs" --m 1 -o "$work/x.qv"
grep -q "hnsw_m\|options\." "$work/err" && fail "m out of range: names a C field: $(cat "$work/err")"
expect_error "limit zero (build)" 2 "--limit must be at least 1" "$quiver" build --input "$work/base.fvecs" --limit 0 -o "$work/x.qv"
expect_error "limit zero (search)" 2 "--limit must be at least 1" "$quiver" search "$work/idx.qv" --query "$work/query.fvecs" --limit 0
expect_error "inspect names itself" 1 "^quiver inspect: " "$quiver" inspect "$work/none.qv"
expect_error "unknown option" 2 "unknown option" "$quiver" info "$work/idx.qv" --frobnicate
"$quiver" frobnicate >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" -eq 2 ] || fail "unknown command: exit $rc, expected 2"
head -n 1 "$work/err" | grep -q "unknown command 'frobnicate'" || fail "unknown command: first line: $(head -n 1 "$work/err")"

cp "$work/idx.qv" "$work/bad.qv"
size=$(wc -c <"$work/bad.qv")
printf '\377' | dd of="$work/bad.qv" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_error "corrupt index" 1 "QV_ERR_CORRUPT" "$quiver" info "$work/bad.qv"
head -c 1000 "$work/idx.qv" >"$work/short.qv"
expect_error "truncated index" 1 "QV_ERR_CORRUPT" "$quiver" search "$work/short.qv" --query "$work/query.fvecs"

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all quiver vector-command checks passed"
