// quiver ingest: text files into a saved index, through qv_index_add_texts.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "cli/text_support.h"

namespace quiver::cli {

static const char kIngestHelp[] =
    "usage: quiver ingest INDEX --input FILE|DIR [options]\n\n"
    "Adds text documents to INDEX and saves it (crash-safe). Each document is split\n"
    "into chunks, each chunk embedded as its own vector (offline, with the hashing\n"
    "embedder, unless --gemini) and stored with its text. INDEX is written only when\n"
    "every document went in.\n\n"
    "What a document is:\n"
    "  DIR                  every file under DIR, recursively, in name order (hidden\n"
    "                       files and folders, empty and binary files are skipped)\n"
    "  FILE                 one document per paragraph: lines up to a blank line\n"
    "                       (--split lines: one per non-empty line; --split file:\n"
    "                       the whole file)\n\n"
    "  --input FILE|DIR     the text to add (UTF-8)\n"
    "  --create             make a new index at INDEX (INDEX must not exist yet);\n"
    "                       without it INDEX must exist\n"
    "  --dim N              dimension of a new index (default 512; 768 with --gemini)\n"
    "  --index hnsw|flat    kind of a new index (default hnsw); the metric is cosine\n"
    "  --split paragraphs|lines|file\n"
    "                       how a FILE is cut into documents (default paragraphs)\n"
    "  --chunk-size N       characters per chunk (default 800)\n"
    "  --chunk-overlap N    characters shared by neighbouring chunks (default 100, or\n"
    "                       half the chunk size when that is smaller)\n"
    "  --tokens             count --chunk-size and --chunk-overlap in words instead\n"
    "  --gemini             embed with Google's Gemini API (needs GEMINI_API_KEY);\n"
    "                       then ask with --gemini too\n"
    "  --quiet              no progress bar and no summary\n\n"
    "Documents get the free document keys from 0 up, in input order (0, 1, 2 ...\n"
    "for a new index); quiver ask prints them.\n";

namespace {

struct Document {
  std::string text;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError{path + ": cannot open the file"};
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw CliError{path + ": cannot read the file"};
  return s.str();
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

std::string trim_line_end(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void split_file(const std::string& content, const std::string& mode, std::vector<Document>& out) {
  if (mode == "file") {
    if (!blank(content)) out.push_back({content});
    return;
  }
  std::istringstream in(content);
  std::string line, paragraph;
  auto flush = [&] {
    if (!blank(paragraph)) out.push_back({paragraph});
    paragraph.clear();
  };
  while (std::getline(in, line)) {
    line = trim_line_end(line);
    if (mode == "lines") {
      if (!blank(line)) out.push_back({line});
    } else if (blank(line)) {
      flush();
    } else {
      if (!paragraph.empty()) paragraph += '\n';
      paragraph += line;
    }
  }
  flush();
}

// Every regular file under dir, in path order, skipping hidden entries.
std::vector<std::string> files_under(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw CliError{dir + ": cannot list the folder (" + ec.message() + ")"};
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw CliError{dir + ": cannot list the folder (" + ec.message() + ")"};
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Inputs {
  std::vector<Document> documents;
  size_t skipped = 0;  // empty or binary files
};

Inputs read_inputs(const std::string& input, const std::string& split) {
  struct stat st;
  if (stat(input.c_str(), &st) != 0) throw CliError{input + ": no such file or directory"};
  Inputs in;
  if (S_ISDIR(st.st_mode)) {
    for (const std::string& path : files_under(input)) {
      std::string text = read_file(path);
      if (blank(text) || text.find('\0') != std::string::npos) {
        ++in.skipped;
        continue;
      }
      in.documents.push_back({std::move(text)});
    }
  } else {
    split_file(read_file(input), split, in.documents);
  }
  return in;
}

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The next document key from `key` up whose chunk 0 holds no text.
uint64_t next_free_key(const qv_index* index, uint64_t key) {
  for (;; ++key) {
    if (key > QV_MAX_DOC_KEY) throw CliError{"no free document key left in the index"};
    const void* data;
    size_t len;
    if (qv_index_get_metadata(index, QV_CHUNK_KEY(key, 0), &data, &len) != QV_OK) return key;
  }
}

// What the command line asks for, checked before anything is opened.
struct IngestRequest {
  std::string path, input, split;
  bool quiet = false, gemini = false;
  qv_text_options text;
};

qv_text_options parse_text_options(const Args& args) {
  qv_text_options text;
  qv_text_options_init(&text);
  if (args.has("tokens")) text.unit = QV_CHUNK_TOKENS;
  const unsigned long long chunk_size = args.get_uint("chunk-size", text.chunk_size);
  const unsigned long long overlap = args.get_uint(
      "chunk-overlap", std::min<unsigned long long>(text.chunk_overlap, chunk_size / 2));
  if (chunk_size == 0 || chunk_size > UINT32_MAX)
    throw UsageError{"--chunk-size must be between 1 and " + std::to_string(UINT32_MAX)};
  if (overlap >= chunk_size) throw UsageError{"--chunk-overlap must be smaller than --chunk-size"};
  text.chunk_size = uint32_t(chunk_size);
  text.chunk_overlap = uint32_t(overlap);
  return text;
}

IngestRequest parse_request(const Args& args) {
  if (args.positional().size() != 1) throw UsageError{"give exactly one INDEX path"};
  if (!args.has("input")) throw UsageError{"--input is required"};
  IngestRequest r;
  r.path = args.positional()[0];
  r.input = args.get("input");
  r.split = args.get("split", "paragraphs");
  if (r.split != "paragraphs" && r.split != "lines" && r.split != "file")
    throw UsageError{"--split must be paragraphs, lines or file, not '" + r.split + "'"};
  r.quiet = args.has("quiet");
  r.gemini = args.has("gemini");
  r.text = parse_text_options(args);
  return r;
}

IndexPtr create_index(const Args& args, const IngestRequest& r) {
  if (exists(r.path)) throw CliError{r.path + " already exists; drop --create to add to it"};
  const unsigned long long dim = args.get_uint("dim", default_text_dim(r.gemini));
  if (dim == 0 || dim > QV_MAX_DIM)
    throw UsageError{"--dim must be between 1 and " + std::to_string(QV_MAX_DIM)};
  qv_index_options opts;
  qv_index_options_init(&opts);
  opts.dim = uint32_t(dim);
  opts.metric = QV_METRIC_COSINE;
  opts.kind = parse_kind(args.get("index", "hnsw"));
  qv_index* raw = nullptr;
  check(qv_index_create(&opts, &raw), "creating the index");
  return IndexPtr(raw);
}

IndexPtr open_existing_index(const Args& args, const IngestRequest& r) {
  if (!exists(r.path))
    throw CliError{r.path + " does not exist; pass --create to make a new index"};
  if (args.has("index")) throw UsageError{"--index applies only with --create"};
  return open_index(r.path, false);
}

// The index's dimension, which a --dim given with an existing index must match.
uint32_t checked_dim(const qv_index* index, const Args& args) {
  uint32_t dim = 0;
  check(qv_index_dim(index, &dim), "reading the index dimension");
  if (args.has("dim") && args.get_uint("dim", 0) != dim)
    throw UsageError{"--dim " + args.get("dim") + " differs from the index's dimension " +
                     std::to_string(dim)};
  return dim;
}

// The first `count` free document keys from 0 up.
std::vector<uint64_t> free_document_keys(const qv_index* index, size_t count) {
  std::vector<uint64_t> keys(count);
  uint64_t next = 0;
  for (auto& key : keys) {
    key = next_free_key(index, next);
    next = key + 1;
  }
  return keys;
}

// The end of the batch that starts at `begin`: about 256 KB of text, so one
// embedder call each and a progress bar that moves.
size_t batch_end(const std::vector<Document>& documents, size_t begin) {
  size_t end = begin, bytes = 0;
  while (end < documents.size() && (end == begin || bytes < (256u << 10))) {
    bytes += documents[end].text.size();
    ++end;
  }
  return end;
}

void add_in_batches(qv_index* index, const std::vector<Document>& documents,
                    const std::vector<uint64_t>& keys, const IngestRequest& r) {
  Progress progress("ingesting", documents.size(), r.quiet);
  std::vector<const char*> texts;
  for (size_t begin = 0; begin < documents.size();) {
    const size_t end = batch_end(documents, begin);
    texts.clear();
    for (size_t i = begin; i < end; ++i) texts.push_back(documents[i].text.c_str());
    check(qv_index_add_texts(index, end - begin, keys.data() + begin, texts.data()),
          "adding documents " + std::to_string(begin + 1) + ".." + std::to_string(end) + " of " +
              r.input + " (nothing was saved)");
    progress.update(end);
    begin = end;
  }
}

void print_summary(const IngestRequest& r, const Inputs& in, size_t chunks, double seconds,
                   const std::vector<uint64_t>& keys) {
  std::printf(
      "ingested %zu documents (%zu chunks) from %s in %.2f s; keys %llu..%llu; saved "
      "to %s\n",
      in.documents.size(), chunks, r.input.c_str(), seconds, (unsigned long long)keys.front(),
      (unsigned long long)keys.back(), r.path.c_str());
  if (in.skipped) std::printf("skipped %zu empty or binary files\n", in.skipped);
}

}  // namespace

int cmd_ingest(int argc, char** argv) {
  Args args(argc, argv, {"input", "dim", "index", "split", "chunk-size", "chunk-overlap"},
            {"create", "tokens", "gemini", "quiet", "help"});
  if (args.has("help")) {
    std::fputs(kIngestHelp, stdout);
    return 0;
  }
  const IngestRequest r = parse_request(args);
  // Everything that can fail cheaply fails before the embedding starts.
  IndexPtr index = args.has("create") ? create_index(args, r) : open_existing_index(args, r);
  const uint32_t dim = checked_dim(index.get(), args);
  const Inputs in = read_inputs(r.input, r.split);
  if (in.documents.empty()) throw CliError{r.input + ": holds no text to add"};

  EmbedderPtr embedder = make_embedder(r.gemini, dim);
  check(qv_index_set_embedder(index.get(), embedder.get()), "attaching the embedder");
  check(qv_index_set_text_options(index.get(), &r.text), "setting the chunk size");

  size_t chunks_before = 0, chunks_after = 0;
  check(qv_index_count(index.get(), &chunks_before), "counting");
  const std::vector<uint64_t> keys = free_document_keys(index.get(), in.documents.size());
  const auto start = std::chrono::steady_clock::now();
  add_in_batches(index.get(), in.documents, keys, r);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check(qv_index_count(index.get(), &chunks_after), "counting");
  check(qv_index_save(index.get(), r.path.c_str()), "saving " + r.path);
  if (!r.quiet) print_summary(r, in, chunks_after - chunks_before, seconds, keys);
  return 0;
}

}  // namespace quiver::cli
