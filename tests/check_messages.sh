#!/bin/sh
# Fails when a string literal in the C/C++ sources under SRC_DIR, outside
# SRC_DIR/capi/, holds a C API name (qv_... or QV_...), listing file:line.
#
#   sh tests/check_messages.sh SRC_DIR
#
# Why: the layers below the C boundary build messages that every language
# binding passes on to its users, and a Python, Java or Node user has no
# qv_index_set_embedder or QV_OPEN_MMAP. Only src/capi/ speaks C (it may name
# the C call or field in the messages for C-only mistakes such as NULL
# pointers). Code that calls the C API (the CLI) is fine: only what is
# inside quotes is checked, not comments, not preprocessor lines.
#
# Allowed: a build option's name followed by its value, e.g.
# "QV_WITH_GEMINI=OFF": it is what whoever builds libquiver types, whatever
# language they call it from, not a C identifier.
set -eu
src=${1:?usage: check_messages.sh SRC_DIR}
[ -d "$src" ] || { echo "check_messages: no such directory: $src" >&2; exit 2; }

files=$(find "$src" -path "$src/capi" -prune -o -type f \
  \( -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \) -print | sort)
[ -n "$files" ] || { echo "check_messages: no C/C++ sources under $src" >&2; exit 2; }

# A small C/C++ tokenizer: it follows comments (// and /* */, across lines),
# string literals (with escapes) and character literals, skips preprocessor
# lines, and prints file:line: "literal" for each literal naming qv_/QV_.
# (No raw string literals in src/; one would be read as ordinary strings.)
found=$(awk '
  FNR == 1 { in_block = 0 }
  {
    line = $0
    if (!in_block && line ~ /^[ \t]*#/) next
    n = length(line); i = 1
    while (i <= n) {
      c = substr(line, i, 1); d = substr(line, i, 2)
      if (in_block) {
        if (d == "*/") { in_block = 0; i += 2 } else i++
        continue
      }
      if (d == "//") break
      if (d == "/*") { in_block = 1; i += 2; continue }
      if (c == "\"" || c == "\047") {
        quote = c; j = i + 1; lit = ""
        while (j <= n && substr(line, j, 1) != quote) {
          if (substr(line, j, 1) == "\\") { lit = lit substr(line, j, 2); j += 2 }
          else { lit = lit substr(line, j, 1); j++ }
        }
        if (quote == "\"") {
          checked = lit
          gsub(/QV_WITH_[A-Z0-9_]+=/, "", checked)  # build options (see above)
          if (checked ~ /(^|[^A-Za-z0-9_])(qv|QV)_/)
            printf "%s:%d: \"%s\"\n", FILENAME, FNR, lit
        }
        i = j + 1
        continue
      }
      i++
    }
  }' $files)

if [ -n "$found" ]; then
  echo "Messages built outside $src/capi/ name C API identifiers (qv_/QV_), which the"
  echo "users of the bindings do not have; word them in neutral terms (hnsw_m, L2, MMAP,"
  echo "attach an embedder), and leave C words to src/capi/ for C-only mistakes:"
  echo "$found"
  exit 1
fi
echo "check_messages: no string literal outside $src/capi/ names qv_ or QV_ ($(echo "$files" | wc -l) files)"
