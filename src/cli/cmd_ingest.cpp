// quiver ingest: text files into a saved index. A folder goes in through
// qv_index_upsert_text, one document per file keyed by its path (re-ingest
// replaces changed files, skips unchanged ones); a single file through
// qv_index_add_texts, one document per paragraph or line.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/document_keys.h"
#include "cli/index_ptr.h"
#include "cli/inputs.h"
#include "cli/json_out.h"
#include "cli/progress.h"
#include "cli/text_support.h"

namespace quiver::cli {

static const char kIngestHelp[] =
    "usage: quiver ingest INDEX --input FILE|DIR [options]\n\n"
    "Adds text documents to INDEX and saves it (crash-safe). Each document is split\n"
    "into chunks, each chunk embedded as its own vector (offline, with the hashing\n"
    "embedder, unless --gemini) and stored with its text.\n\n"
    "What a document is:\n"
    "  DIR                  every plain text or Markdown file under DIR (.txt, .text,\n"
    "                       .md, .markdown, any case), recursively; hidden files and\n"
    "                       folders are left out, other file types, empty and binary\n"
    "                       files are skipped and counted. A file is one document\n"
    "                       whose source is its path relative to DIR and whose key is\n"
    "                       derived from that path (the high 48 bits of its 64-bit\n"
    "                       FNV-1a hash): ingesting DIR again replaces the documents\n"
    "                       of changed files, skips unchanged ones (by a hash of the\n"
    "                       content kept in the document's fields), adds new ones and,\n"
    "                       with --prune, removes those whose file is gone\n"
    "  FILE                 one document per paragraph: lines up to a blank line\n"
    "                       (--split lines: one per non-empty line; --split file:\n"
    "                       the whole file), under the free document keys from 0 up\n\n"
    "  --input FILE|DIR     the text to add (UTF-8)\n"
    "  --create             make a new index at INDEX (INDEX must not exist yet);\n"
    "                       without it INDEX must exist\n"
    "  --prune              DIR: remove documents whose source is not a file of DIR\n"
    "                       any more (documents without a source stay)\n"
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
    "  --json               print the report as one JSON object (added, updated,\n"
    "                       unchanged, removed, skipped, chunks, seconds ...)\n"
    "  --quiet              no progress bar and no report\n\n"
    "INDEX is written only when every document went in, and not at all when nothing\n"
    "changed. Two paths whose keys collide are refused before anything changes.\n";

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
};

Inputs read_inputs(const std::string& input, const std::string& split) {
  Inputs in;
  split_file(read_file(input), split, in.documents);
  return in;
}

bool is_directory(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) throw CliError{path + ": no such file or directory"};
  return S_ISDIR(st.st_mode);
}

// The file types a folder ingest reads: plain text and Markdown.
bool text_file_name(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".txt" || ext == ".text" || ext == ".md" || ext == ".markdown";
}

// A file of the folder: where it is, and its path relative to the folder
// ('/'-separated), which is the document's source and names its key.
struct FolderFile {
  std::string path, relative;
  uint64_t key;
};

struct Skipped {
  std::string path, why;
};

std::vector<FolderFile> folder_files(const std::string& dir, std::vector<Skipped>& skipped) {
  std::vector<FolderFile> files;
  for (const std::string& path : files_under(dir)) {
    const std::string relative =
        std::filesystem::path(path).lexically_relative(dir).generic_string();
    if (!text_file_name(path)) {
      skipped.push_back({relative, "not plain text or Markdown"});
      continue;
    }
    files.push_back({path, relative, path_document_key(relative)});
  }
  return files;
}

// The source of a document in the index, or nothing when it has none.
bool document_source(const qv_index* index, uint64_t key, std::string& source,
                     std::string* fields = nullptr) {
  const char *s = nullptr, *f = nullptr;
  size_t sl = 0, fl = 0;
  if (qv_index_get_document(index, key, &s, &sl, &f, &fl) != QV_OK) return false;
  source.assign(s, sl);
  if (fields) fields->assign(f, fl);
  return true;
}

// Two paths with one key, in the folder or against the index, are refused
// before anything changes: a document is never replaced by another file.
void check_key_collisions(const qv_index* index, const std::vector<FolderFile>& files) {
  std::unordered_map<uint64_t, const FolderFile*> seen;
  std::string source;
  for (const FolderFile& f : files) {
    auto [it, added] = seen.emplace(f.key, &f);
    if (!added)
      throw CliError{f.relative + " and " + it->second->relative + " get the same document key " +
                     std::to_string(f.key) + " (a hash collision); rename one of them (nothing " +
                     "was changed)"};
    if (document_source(index, f.key, source) && source != f.relative)
      throw CliError{f.relative + " gets document key " + std::to_string(f.key) +
                     ", which already holds " +
                     (source.empty() ? "a document without a source" : source) +
                     " (a hash collision); rename the file (nothing was changed)"};
  }
}

// What a folder ingest did.
struct Report {
  size_t added = 0, updated = 0, unchanged = 0, removed = 0, chunks = 0;
  std::vector<Skipped> skipped;
  bool changed() const { return added + updated + removed > 0; }
};

// Brings the index in step with the folder: adds new files, replaces
// changed ones, skips unchanged ones; with prune, removes the documents
// of files that are gone.
void sync_folder(qv_index* index, const std::vector<FolderFile>& files, bool prune, bool quiet,
                 Report& report) {
  Progress progress("ingesting", files.size(), quiet);
  std::unordered_set<uint64_t> present;
  std::string source, fields;
  for (size_t i = 0; i < files.size(); ++i) {
    const FolderFile& f = files[i];
    const std::string text = read_file(f.path);
    if (blank(text) || text.find('\0') != std::string::npos) {
      report.skipped.push_back({f.relative, blank(text) ? "empty" : "binary"});
      progress.update(i + 1);
      continue;
    }
    present.insert(f.key);
    const std::string wanted = content_fields(text);
    const bool known = document_source(index, f.key, source, &fields);
    if (known && fields == wanted) {
      ++report.unchanged;
    } else {
      check(qv_index_upsert_text(index, f.key, text.c_str(), f.relative.c_str(), wanted.c_str()),
            (known ? "replacing " : "adding ") + f.relative + " (nothing was saved)");
      ++(known ? report.updated : report.added);
    }
    progress.update(i + 1);
  }
  progress.finish();
  if (!prune) return;
  std::vector<uint64_t> gone, page(1024);
  for (uint64_t from = 0;;) {
    size_t n = 0;
    check(qv_index_list_documents(index, from, page.data(), page.size(), &n), "listing documents");
    for (size_t i = 0; i < n; ++i)
      if (!present.count(page[i]) && document_source(index, page[i], source) && !source.empty())
        gone.push_back(page[i]);
    if (n < page.size()) break;
    from = page[n - 1] + 1;
  }
  for (const uint64_t key : gone) {
    check(qv_index_remove_text(index, key), "removing document " + std::to_string(key));
    ++report.removed;
  }
}

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The next document key from `key` up that holds no document.
uint64_t next_free_key(const qv_index* index, uint64_t key) {
  for (;; ++key) {
    if (key > QV_MAX_DOC_KEY) throw CliError{"no free document key left in the index"};
    if (qv_index_get_document(index, key, nullptr, nullptr, nullptr, nullptr) != QV_OK) return key;
  }
}

// What the command line asks for, checked before anything is opened.
struct IngestRequest {
  std::string path, input, split;
  bool quiet = false, gemini = false, json = false, prune = false;
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
  r.json = args.has("json");
  r.prune = args.has("prune");
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
  if (r.json) {
    std::printf(
        "{\"index\":%s,\"input\":%s,\"added\":%zu,\"updated\":0,\"unchanged\":0,"
        "\"removed\":0,\"skipped\":[],\"chunks\":%zu,\"seconds\":%.3f,\"keys\":[%llu,%llu]}\n",
        json_string(r.path).c_str(), json_string(r.input).c_str(), in.documents.size(), chunks,
        seconds, (unsigned long long)keys.front(), (unsigned long long)keys.back());
    return;
  }
  std::printf(
      "ingested %zu documents (%zu chunks) from %s in %.2f s; keys %llu..%llu; saved "
      "to %s\n",
      in.documents.size(), chunks, r.input.c_str(), seconds, (unsigned long long)keys.front(),
      (unsigned long long)keys.back(), r.path.c_str());
}

void print_report(const IngestRequest& r, const Report& report, double seconds, bool saved) {
  if (r.json) {
    std::string skipped;
    for (const Skipped& s : report.skipped)
      skipped += std::string(skipped.empty() ? "" : ",") + "{\"path\":" + json_string(s.path) +
                 ",\"why\":" + json_string(s.why) + "}";
    std::printf(
        "{\"index\":%s,\"input\":%s,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu,"
        "\"removed\":%zu,\"skipped\":[%s],\"chunks\":%zu,\"seconds\":%.3f,\"saved\":%s}\n",
        json_string(r.path).c_str(), json_string(r.input).c_str(), report.added, report.updated,
        report.unchanged, report.removed, skipped.c_str(), report.chunks, seconds,
        saved ? "true" : "false");
    return;
  }
  std::printf("%s: %zu added, %zu updated, %zu unchanged, %zu removed in %.2f s; ", r.input.c_str(),
              report.added, report.updated, report.unchanged, report.removed, seconds);
  if (saved)
    std::printf("%zu chunks; saved to %s\n", report.chunks, r.path.c_str());
  else
    std::printf("nothing changed; %s was not rewritten\n", r.path.c_str());
  if (!report.skipped.empty()) {
    std::printf("skipped %zu files:", report.skipped.size());
    for (size_t i = 0; i < report.skipped.size() && i < 5; ++i)
      std::printf(" %s (%s)%s", report.skipped[i].path.c_str(), report.skipped[i].why.c_str(),
                  i + 1 < report.skipped.size() ? "," : "");
    if (report.skipped.size() > 5) std::printf(" ...");
    std::printf("\n");
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --input DIR: the index in step with the folder.
void ingest_folder(qv_index* index, const IngestRequest& r, bool created) {
  Report report;
  const std::vector<FolderFile> files = folder_files(r.input, report.skipped);
  check_key_collisions(index, files);
  const auto start = std::chrono::steady_clock::now();
  sync_folder(index, files, r.prune, r.quiet || r.json, report);
  check(qv_index_count(index, &report.chunks), "counting");
  const bool save = created || report.changed();
  if (save) check(qv_index_save(index, r.path.c_str()), "saving " + r.path);
  if (!r.quiet) print_report(r, report, seconds_since(start), save);
}

}  // namespace

int cmd_ingest(int argc, char** argv) {
  Args args(argc, argv, {"input", "dim", "index", "split", "chunk-size", "chunk-overlap"},
            {"create", "tokens", "gemini", "quiet", "json", "prune", "help"});
  if (args.has("help")) {
    std::fputs(kIngestHelp, stdout);
    return 0;
  }
  const IngestRequest r = parse_request(args);
  const bool folder = is_directory(r.input);
  if (r.prune && !folder) throw UsageError{"--prune applies to a folder (--input DIR) only"};
  // Everything that can fail cheaply fails before the embedding starts.
  const bool created = args.has("create");
  IndexPtr index = created ? create_index(args, r) : open_existing_index(args, r);
  const uint32_t dim = checked_dim(index.get(), args);
  Inputs in;
  if (!folder) {
    in = read_inputs(r.input, r.split);
    if (in.documents.empty()) throw CliError{r.input + ": holds no text to add"};
  }

  EmbedderPtr embedder = make_embedder(r.gemini, dim);
  check(qv_index_set_embedder(index.get(), embedder.get()), "attaching the embedder");
  check(qv_index_set_text_options(index.get(), &r.text), "setting the chunk size");
  if (folder) {
    ingest_folder(index.get(), r, created);
    return 0;
  }

  size_t chunks_before = 0, chunks_after = 0;
  check(qv_index_count(index.get(), &chunks_before), "counting");
  const std::vector<uint64_t> keys = free_document_keys(index.get(), in.documents.size());
  const auto start = std::chrono::steady_clock::now();
  add_in_batches(index.get(), in.documents, keys, r);
  const double seconds = seconds_since(start);
  check(qv_index_count(index.get(), &chunks_after), "counting");
  check(qv_index_save(index.get(), r.path.c_str()), "saving " + r.path);
  if (!r.quiet) print_summary(r, in, chunks_after - chunks_before, seconds, keys);
  return 0;
}

}  // namespace quiver::cli
