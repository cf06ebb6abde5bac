#include "cli/text_support.h"

#include <cstdlib>
#include <fstream>

#include "cli/commands.h"

namespace quiver::cli {

uint32_t default_text_dim(bool gemini) { return gemini ? 768 : 512; }

EmbedderPtr make_embedder(bool gemini, uint32_t dim) {
  qv_embedder* raw = nullptr;
  if (!gemini) {
    check(qv_embedder_create_hashing(dim, &raw), "creating the hashing embedder");
    return EmbedderPtr(raw);
  }
  qv_gemini_options o;
  qv_gemini_options_init(&o);
  o.output_dim = dim;
  const qv_status status = qv_embedder_create_gemini(&o, &raw);
  EmbedderPtr embedder(raw);
  // Asked before the key: a libquiver without Gemini needs no key to say so.
  if (status == QV_ERR_UNSUPPORTED)
    throw CliError{
        "--gemini is not available: this quiver was built without the Gemini embedder "
        "(QV_WITH_GEMINI=OFF); rebuild with it, or leave out --gemini to use the offline "
        "hashing embedder"};
  const char* key = std::getenv("GEMINI_API_KEY");
  if (!key || !*key)
    throw CliError{"--gemini needs your API key in the environment variable GEMINI_API_KEY"};
  check(status, "creating the Gemini embedder");
  return embedder;
}

std::string excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    const bool starts_char = (c & 0xC0) != 0x80;  // not a continuation byte
    if (starts_char) {
      if (chars + (space ? 1 : 0) >= max_chars) {
        out += "...";
        return out;
      }
      if (space) {
        out += ' ';
        ++chars;
      }
      ++chars;
    }
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

std::string find_text_dir() {
#ifdef QV_DEFAULT_TEXT_DIR
  return find_dir("QUIVER_TEXT_DIR", "examples/data/text", QV_DEFAULT_TEXT_DIR);
#else
  return find_dir("QUIVER_TEXT_DIR", "examples/data/text", nullptr);
#endif
}

std::vector<LabelledText> read_tsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError{path + ": cannot open the file"};
  std::vector<LabelledText> rows;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos)
      throw CliError{path + ":" + std::to_string(number) + ": expected LABEL<TAB>TEXT"};
    rows.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return rows;
}

}  // namespace quiver::cli
