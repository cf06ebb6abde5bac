#!/bin/sh
# quiver ingest / quiver ask end to end: success paths, and failures that
# must exit non-zero with one line on stderr.
#   test_cli_text.sh QUIVER_BINARY TEXT_DATA_DIR
set -u
QUIVER=$1
DATA=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/qvt_cli_text.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
unset GEMINI_API_KEY
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect CODE NEEDLE -- command...: exit code CODE, and for a failure exactly
# one line on stderr that contains NEEDLE (case-insensitive).
expect() {
  code=$1
  needle=$2
  shift 3
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -ne "$code" ]; then
    fail "$* exited $got, expected $code; stderr: $(cat "$T/err")"
    return
  fi
  if [ "$code" -ne 0 ]; then
    lines=$(wc -l <"$T/err")
    [ "$lines" -eq 1 ] || fail "$*: $lines lines on stderr, expected 1: $(cat "$T/err")"
    grep -qi -- "$needle" "$T/err" || fail "$*: stderr lacks '$needle': $(cat "$T/err")"
  fi
}

# out_has NEEDLE: the last command's stdout contains NEEDLE.
out_has() {
  grep -q -- "$1" "$T/out" || fail "stdout lacks '$1':
$(cat "$T/out")"
}

# A folder of documents: one per file, hidden and empty files skipped.
mkdir -p "$T/docs/sub" "$T/docs/.git"
echo "Honeybees make honey from nectar and store it in wax comb inside the hive." >"$T/docs/bees.txt"
printf '   \n' >"$T/docs/empty.txt"
echo "Castling moves the king two squares toward a rook in a game of chess." >"$T/docs/sub/chess.md"
echo "Steam locomotives pulled the first trains on the Stockton and Darlington railway." >"$T/docs/trains.txt"
echo "a hidden file about honey honey honey" >"$T/docs/.secret"
echo "git internals about honey" >"$T/docs/.git/config"
IDX="$T/notes.qv"

# ---- usage errors: exit 2 ----
expect 2 "INDEX" -- "$QUIVER" ingest
expect 2 "--input" -- "$QUIVER" ingest "$IDX"
expect 2 "--split" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create --split words
expect 2 "unknown option" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --bogus
expect 2 "chunk-overlap" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create --chunk-size 10 --chunk-overlap 10
expect 2 "whole number" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create --dim lots
expect 2 "question" -- "$QUIVER" ask "$IDX"
expect 2 "question" -- "$QUIVER" ask "$IDX" "   "
expect 2 "-k" -- "$QUIVER" ask "$IDX" "bees" -k 0

# ---- failures: exit 1 ----
expect 1 "no such file" -- "$QUIVER" ingest "$IDX" --input "$T/missing.txt" --create
[ -e "$IDX" ] && fail "a failed ingest wrote $IDX"
expect 1 "--create" -- "$QUIVER" ingest "$IDX" --input "$T/docs"
if [ "${QV_WITH_GEMINI:-ON}" = OFF ]; then
  expect 1 "built without the Gemini embedder" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create --gemini
else
  expect 1 "GEMINI_API_KEY" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create --gemini
fi
[ -e "$IDX" ] && fail "a failed ingest wrote $IDX"
expect 1 "opening" -- "$QUIVER" ask "$T/nothing.qv" "bees"
: >"$T/blank.txt"
expect 1 "no text" -- "$QUIVER" ingest "$IDX" --input "$T/blank.txt" --create

# ---- a folder, then ask ----
expect 0 "" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create --quiet
[ -s "$T/out" ] && fail "--quiet printed: $(cat "$T/out")"
[ -f "$IDX" ] || fail "ingest did not write $IDX"
expect 0 "" -- "$QUIVER" ask "$IDX" "how do bees make honey?"
# Each answer names its file (the document's source) and its key.
head -n 1 "$T/out" | grep -q "^1\. bees.txt  (document [0-9]*, distance " ||
  fail "bees.txt is not first: $(cat "$T/out")"
out_has "wax comb"
grep -q "hidden\|git internals" "$T/out" && fail "a hidden file was ingested: $(cat "$T/out")"
expect 0 "" -- "$QUIVER" ask "$IDX" which railway had steam trains -k 1
out_has "^1\. trains.txt "
[ "$(grep -c '^[0-9]*\. ' "$T/out")" -eq 1 ] || fail "-k 1 printed more than one"
expect 0 "" -- "$QUIVER" ask "$IDX" "steam railway" --hybrid -k 2
out_has "^1\. trains.txt  (document [0-9]*, score "
expect 2 "together" -- "$QUIVER" ask "$IDX" "bees" --hybrid --chunks
# A vector index (quiver build) holds no text: ask refuses it.
printf '\004\000\000\000\000\000\200\077\000\000\000\000\000\000\000\000\000\000\000\000' >"$T/one.fvecs"
expect 0 "" -- "$QUIVER" build --input "$T/one.fvecs" -o "$T/vectors.qv" --quiet
expect 1 "no text" -- "$QUIVER" ask "$T/vectors.qv" "bees"
expect 1 "already exists" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --create
expect 2 "differs" -- "$QUIVER" ingest "$IDX" --input "$T/docs" --dim 64

# ---- a file of paragraphs into the same index: the free keys from 0 ----
cat >"$T/more.txt" <<'EOF'
Glaciers carve U-shaped valleys
and leave moraines behind.

Espresso is brewed by forcing hot water
through finely ground coffee.
EOF
expect 0 "" -- "$QUIVER" ingest "$IDX" --input "$T/more.txt"
out_has "ingested 2 documents"
out_has "keys 0..1"
expect 0 "" -- "$QUIVER" ask "$IDX" "espresso coffee" -k 2
head -n 1 "$T/out" | grep -q "^1\. document 1 " || fail "espresso is not first: $(cat "$T/out")"
out_has "finely ground coffee"

# ---- lines, and a long document in small chunks: --chunks shows them ----
printf 'first line about volcanoes\n\nsecond line about sharks\nthird line about tea\n' >"$T/lines.txt"
expect 0 "" -- "$QUIVER" ingest "$T/lines.qv" --input "$T/lines.txt" --split lines --create --index flat --dim 128
out_has "ingested 3 documents"
awk -F '\t' '$1 == "astronomy" { printf "%s ", $2 }' "$DATA/passages.tsv" >"$T/long.txt"
expect 0 "" -- "$QUIVER" ingest "$T/long.qv" --input "$T/long.txt" --split file --create --chunk-size 40 --tokens --chunk-overlap 5
out_has "ingested 1 documents"
expect 0 "" -- "$QUIVER" ask "$T/long.qv" "supernova neutron star black hole" --chunks -k 3
[ "$(grep -c '^[0-9]*\. document 0, chunk [0-9]*' "$T/out")" -eq 3 ] ||
  fail "--chunks did not list 3 chunks of document 0: $(cat "$T/out")"
expect 0 "" -- "$QUIVER" ask "$T/long.qv" "supernova" -k 3
[ "$(grep -c '^[0-9]*\. document' "$T/out")" -eq 1 ] ||
  fail "documents mode listed one document twice: $(cat "$T/out")"

# ---- the corpus itself, by paragraphs (the TSV has one passage per line) ----
cut -f 2 "$DATA/passages.tsv" | sed 's/$/\n/' >"$T/corpus.txt"
expect 0 "" -- "$QUIVER" ingest "$T/corpus.qv" --input "$T/corpus.txt" --create --quiet
expect 0 "" -- "$QUIVER" ask "$T/corpus.qv" "Who discovered penicillin?" -k 1 --mmap
out_has "Fleming"

# ---- re-ingest a folder: changed, new, deleted and unchanged files ----
F="$T/folder"
mkdir -p "$F/sub"
echo "Honeybees make honey from nectar." >"$F/bees.txt"
echo "Castling moves the king toward a rook." >"$F/sub/chess.md"
echo "Steam locomotives pulled the first trains." >"$F/trains.markdown"
echo "keep me as I am: tulips and daffodils" >"$F/garden.TXT"
echo "not text" >"$F/photo.jpg"
FI="$T/folder.qv"
expect 0 "" -- "$QUIVER" ingest "$FI" --input "$F" --create --index flat
out_has "4 added, 0 updated, 0 unchanged, 0 removed"
out_has "photo.jpg (not plain text or Markdown)"
# Nothing changed: every file skipped, the index not rewritten.
before=$(cksum <"$FI")
expect 0 "" -- "$QUIVER" ingest "$FI" --input "$F" --json
out_has '"added":0,"updated":0,"unchanged":4,"removed":0'
out_has '"saved":false'
[ "$(cksum <"$FI")" = "$before" ] || fail "an ingest without changes rewrote $FI"
# One changed, one new, one deleted.
echo "Bumblebees nest in the ground and make little honey." >"$F/bees.txt"
echo "Espresso is brewed by forcing hot water through coffee." >"$F/coffee.md"
rm "$F/sub/chess.md"
expect 0 "" -- "$QUIVER" ingest "$FI" --input "$F" --json
out_has '"added":1,"updated":1,"unchanged":2,"removed":0'
expect 0 "" -- "$QUIVER" ask "$FI" "castling king rook" -k 5 --json
out_has '"source":"sub/chess.md"'
expect 0 "" -- "$QUIVER" ingest "$FI" --input "$F" --prune --json
out_has '"added":0,"updated":0,"unchanged":4,"removed":1'
# The index holds exactly the folder's current files, each once, each current.
expect 0 "" -- "$QUIVER" ask "$FI" "honey coffee steam tulips castling" -k 10 --json
for src in bees.txt coffee.md trains.markdown garden.TXT; do
  [ "$(grep -o "\"source\":\"$src\"" "$T/out" | wc -l)" -eq 1 ] ||
    fail "$src is not listed exactly once: $(cat "$T/out")"
done
[ "$(grep -o '"doc_key"' "$T/out" | wc -l)" -eq 4 ] || fail "not 4 documents: $(cat "$T/out")"
grep -q "chess\|Honeybees\|photo" "$T/out" && fail "a removed or old version answered: $(cat "$T/out")"
out_has '"snippet":"Bumblebees nest in the ground'
out_has '"query":"honey coffee steam tulips castling","mode":"documents"'
expect 0 "" -- "$QUIVER" ask "$FI" "bumblebees" --hybrid -k 1
out_has "^1\. bees.txt  (document [0-9]*, score "
out_has "Bumblebees nest"
expect 2 "folder" -- "$QUIVER" ingest "$FI" --input "$T/more.txt" --prune

# ---- help ----
expect 0 "" -- "$QUIVER" ingest --help
out_has "one document per paragraph"
out_has "--prune"
expect 0 "" -- "$QUIVER" ask --help
out_has "--chunks"
expect 0 "" -- "$QUIVER" --help
out_has "ingest"
out_has "ask"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all quiver ingest / ask checks passed"
