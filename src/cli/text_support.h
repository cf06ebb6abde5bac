// What quiver ingest, ask and demo share for text: the embedder they use,
// reading a text corpus, and printing a passage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/quiver.h"

namespace quiver::cli {

struct EmbedderDeleter {
  void operator()(qv_embedder* e) const { qv_embedder_free(e); }
};
using EmbedderPtr = std::unique_ptr<qv_embedder, EmbedderDeleter>;

// The offline hashing embedder of `dim`, or with `gemini` Google's Gemini
// (output dimension `dim`; needs GEMINI_API_KEY, else CliError).
EmbedderPtr make_embedder(bool gemini, uint32_t dim);

// Default dimension of a new text index for the chosen embedder.
uint32_t default_text_dim(bool gemini);

// A passage for the terminal: whitespace runs become one space, and it is
// cut after max_chars characters (never inside a UTF-8 sequence) with "...".
std::string excerpt(std::string_view text, size_t max_chars);

// The repository's text corpus (examples/data/text): $QUIVER_TEXT_DIR, else
// examples/data/text from the current directory, else the one in the source
// tree; "" if none.
std::string find_text_dir();

// Reads a two-column TSV (label TAB text per line; '#' lines and empty ones
// skipped). Throws CliError naming the file and line when malformed.
struct LabelledText {
  std::string label, text;
};
std::vector<LabelledText> read_tsv(const std::string& path);

}  // namespace quiver::cli
