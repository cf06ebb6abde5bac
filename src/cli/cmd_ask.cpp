// quiver ask: a text question against an index made by quiver ingest.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/json_out.h"
#include "cli/text_support.h"

namespace quiver::cli {

static const char kAskHelp[] =
    "usage: quiver ask INDEX \"QUESTION\" [options]\n\n"
    "Searches INDEX (made by quiver ingest) for the documents nearest to QUESTION and\n"
    "prints each with its source (the file it came from), its key, its distance\n"
    "(cosine: 0 = same direction, 2 = opposite) and the passage that matched. Words\n"
    "after INDEX are joined into the question.\n\n"
    "  -k N        how many documents (default 5)\n"
    "  --chunks    list the nearest chunks instead (one document may then appear\n"
    "              several times)\n"
    "  --hybrid    rank by meaning and by the question's exact words together\n"
    "              (reciprocal rank fusion; prints a score, higher is better)\n"
    "  --full      print whole passages, not their first 300 characters\n"
    "  --json      print one JSON object: the query, the mode and the hits, each\n"
    "              with doc_key, source (null when none), chunk_key, distance (or\n"
    "              score with --hybrid) and snippet\n"
    "  --ef N      HNSW candidate list (default: the index's)\n"
    "  --gemini    embed the question with Gemini (needs GEMINI_API_KEY); use it\n"
    "              when the index was ingested with --gemini\n"
    "  --mmap      open the index by mapping it instead of loading it\n";

namespace {

std::string passage(const qv_index* index, uint64_t chunk_key, bool full) {
  const void* data = nullptr;
  size_t len = 0;
  if (qv_index_get_metadata(index, chunk_key, &data, &len) != QV_OK)
    return "(no text stored for this chunk)";
  std::string_view text(static_cast<const char*>(data), len);
  return excerpt(text, full ? text.size() : 300);
}

// The document's source, or "" when it has none.
std::string source_of(const qv_index* index, uint64_t doc_key) {
  const char* source = nullptr;
  size_t len = 0;
  if (qv_index_get_document(index, doc_key, &source, &len, nullptr, nullptr) != QV_OK) return "";
  return std::string(source, len);
}

enum class AskMode { Documents, Chunks, Hybrid };

struct AskRequest {
  std::string path, question;
  size_t k = 5;
  uint32_t ef = 0;
  AskMode mode = AskMode::Documents;
  bool full = false, json = false, gemini = false, mmap = false;
};

// One row per answer: what the search found and what the output shows.
struct Answers {
  std::vector<uint64_t> docs, chunk_keys;
  std::vector<float> values;  // distances, or scores for hybrid
  std::vector<std::string> sources, snippets;
};

const char* mode_name(AskMode mode) {
  return mode == AskMode::Chunks ? "chunks" : mode == AskMode::Hybrid ? "hybrid" : "documents";
}

AskRequest parse_ask(const Args& args) {
  AskRequest r;
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError{"give an INDEX and a QUESTION"};
  r.path = pos[0];
  for (size_t i = 1; i < pos.size(); ++i) r.question += (i > 1 ? " " : "") + pos[i];
  if (r.question.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UsageError{"the QUESTION is missing or empty"};
  r.k = args.get_uint("k", 5);
  if (r.k == 0) throw UsageError{"-k must be at least 1"};
  if (r.k > 100000) throw UsageError{"-k must be at most 100000"};
  r.ef = uint32_t(args.get_uint("ef", 0));
  if (args.has("chunks") && args.has("hybrid"))
    throw UsageError{"--chunks and --hybrid do not go together"};
  r.mode = args.has("chunks")   ? AskMode::Chunks
           : args.has("hybrid") ? AskMode::Hybrid
                                : AskMode::Documents;
  r.full = args.has("full");
  r.json = args.has("json");
  r.gemini = args.has("gemini");
  r.mmap = args.has("mmap");
  return r;
}

// Opens the index and attaches the embedder; refuses an index without text.
IndexPtr open_text_index(const AskRequest& r, EmbedderPtr& embedder) {
  IndexPtr index = open_index(r.path, r.mmap);
  qv_index_info info;
  qv_index_info_init(&info);
  check(qv_index_get_info(index.get(), &info), "reading index information");
  // Text lives in the chunks' metadata: an index without any was made from
  // vectors (quiver build), and asking it would rank numbers, not text.
  if (info.metadata_count == 0 && info.count > 0)
    throw CliError{r.path +
                   " holds vectors but no text; quiver ask searches indexes made by "
                   "quiver ingest"};
  uint32_t dim = 0;
  check(qv_index_dim(index.get(), &dim), "reading the index dimension");
  embedder = make_embedder(r.gemini, dim);
  check(qv_index_set_embedder(index.get(), embedder.get()), "attaching the embedder");
  return index;
}

Answers search(const qv_index* index, const AskRequest& r) {
  qv_search_params params;
  qv_search_params_init(&params);
  params.ef = r.ef;
  Answers a{
      std::vector<uint64_t>(r.k), std::vector<uint64_t>(r.k), std::vector<float>(r.k), {}, {}};
  size_t found = 0;
  const char* q = r.question.c_str();
  if (r.mode == AskMode::Chunks) {
    check(qv_index_search_text_chunks(index, q, r.k, &params, a.chunk_keys.data(), a.values.data(),
                                      &found),
          "searching");
    for (size_t i = 0; i < found; ++i) a.docs[i] = QV_DOC_KEY(a.chunk_keys[i]);
  } else if (r.mode == AskMode::Hybrid) {
    check(qv_index_search_hybrid(index, q, r.k, &params, a.docs.data(), a.chunk_keys.data(),
                                 a.values.data(), &found),
          "searching");
  } else {
    check(qv_index_search_text_ex(index, q, r.k, &params, a.docs.data(), a.chunk_keys.data(),
                                  a.values.data(), &found),
          "searching");
  }
  a.docs.resize(found);
  a.chunk_keys.resize(found);
  a.values.resize(found);
  for (size_t i = 0; i < found; ++i) {
    a.sources.push_back(source_of(index, a.docs[i]));
    a.snippets.push_back(passage(index, a.chunk_keys[i], r.full));
  }
  return a;
}

void print_json(const AskRequest& r, const Answers& a) {
  const bool hybrid = r.mode == AskMode::Hybrid;
  std::printf("{\"query\":%s,\"mode\":\"%s\",\"hits\":[", json_string(r.question).c_str(),
              mode_name(r.mode));
  for (size_t i = 0; i < a.docs.size(); ++i)
    std::printf("%s{\"doc_key\":%llu,\"source\":%s,\"chunk_key\":%llu,\"%s\":%.6g,\"snippet\":%s}",
                i ? "," : "", (unsigned long long)a.docs[i],
                a.sources[i].empty() ? "null" : json_string(a.sources[i]).c_str(),
                (unsigned long long)a.chunk_keys[i], hybrid ? "score" : "distance", a.values[i],
                json_string(a.snippets[i]).c_str());
  std::printf("]}\n");
}

void print_text(const AskRequest& r, const Answers& a) {
  if (a.docs.empty()) {
    std::printf("no documents in %s\n", r.path.c_str());
    return;
  }
  for (size_t i = 0; i < a.docs.size(); ++i) {
    // "bees.txt  (document 123, distance 0.2)", or without a source as before.
    const std::string doc = std::to_string(a.docs[i]);
    std::string head =
        a.sources[i].empty() ? "document " + doc : a.sources[i] + "  (document " + doc;
    if (r.mode == AskMode::Chunks)
      head += ", chunk " + std::to_string(QV_CHUNK_NUMBER(a.chunk_keys[i]));
    head += a.sources[i].empty() ? "  (" : ", ";
    std::printf("%zu. %s%s %.4f)\n", i + 1, head.c_str(),
                r.mode == AskMode::Hybrid ? "score" : "distance", a.values[i]);
    std::printf("   %s\n", a.snippets[i].c_str());
  }
}

}  // namespace

int cmd_ask(int argc, char** argv) {
  Args args(argc, argv, {"k", "ef"},
            {"chunks", "full", "gemini", "mmap", "hybrid", "json", "help"});
  if (args.has("help")) {
    std::fputs(kAskHelp, stdout);
    return 0;
  }
  const AskRequest request = parse_ask(args);
  EmbedderPtr embedder;
  IndexPtr index = open_text_index(request, embedder);
  const Answers answers = search(index.get(), request);
  if (request.json)
    print_json(request, answers);
  else
    print_text(request, answers);
  return 0;
}

}  // namespace quiver::cli
