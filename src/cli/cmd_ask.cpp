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

void print_json(const std::string& question, const char* mode, bool hybrid,
                const std::vector<std::string>& sources, const std::vector<std::string>& snippets,
                const std::vector<uint64_t>& docs, const std::vector<uint64_t>& chunk_keys,
                const std::vector<float>& values, size_t found) {
  std::printf("{\"query\":%s,\"mode\":\"%s\",\"hits\":[", json_string(question).c_str(), mode);
  for (size_t i = 0; i < found; ++i)
    std::printf("%s{\"doc_key\":%llu,\"source\":%s,\"chunk_key\":%llu,\"%s\":%.6g,\"snippet\":%s}",
                i ? "," : "", (unsigned long long)docs[i],
                sources[i].empty() ? "null" : json_string(sources[i]).c_str(),
                (unsigned long long)chunk_keys[i], hybrid ? "score" : "distance", values[i],
                json_string(snippets[i]).c_str());
  std::printf("]}\n");
}

}  // namespace

int cmd_ask(int argc, char** argv) {
  Args args(argc, argv, {"k", "ef"},
            {"chunks", "full", "gemini", "mmap", "hybrid", "json", "help"});
  if (args.has("help")) {
    std::fputs(kAskHelp, stdout);
    return 0;
  }
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError{"give an INDEX and a QUESTION"};
  std::string question;
  for (size_t i = 1; i < pos.size(); ++i) question += (i > 1 ? " " : "") + pos[i];
  if (question.find_first_not_of(" \t\r\n") == std::string::npos)
    throw UsageError{"the QUESTION is missing or empty"};
  const size_t k = args.get_uint("k", 5);
  if (k == 0) throw UsageError{"-k must be at least 1"};
  if (k > 100000) throw UsageError{"-k must be at most 100000"};
  const bool chunks = args.has("chunks"), full = args.has("full"), hybrid = args.has("hybrid");
  if (chunks && hybrid) throw UsageError{"--chunks and --hybrid do not go together"};

  IndexPtr index = open_index(pos[0], args.has("mmap"));
  qv_index_info info;
  qv_index_info_init(&info);
  check(qv_index_get_info(index.get(), &info), "reading index information");
  // Text lives in the chunks' metadata: an index without any was made from
  // vectors (quiver build), and asking it would rank numbers, not text.
  if (info.metadata_count == 0 && info.count > 0)
    throw CliError{pos[0] +
                   " holds vectors but no text; quiver ask searches indexes made by "
                   "quiver ingest"};
  uint32_t dim = 0;
  check(qv_index_dim(index.get(), &dim), "reading the index dimension");
  EmbedderPtr embedder = make_embedder(args.has("gemini"), dim);
  check(qv_index_set_embedder(index.get(), embedder.get()), "attaching the embedder");

  qv_search_params params;
  qv_search_params_init(&params);
  params.ef = uint32_t(args.get_uint("ef", 0));
  std::vector<uint64_t> docs(k), chunk_keys(k);
  std::vector<float> distances(k);
  size_t found = 0;
  if (chunks) {
    check(qv_index_search_text_chunks(index.get(), question.c_str(), k, &params, chunk_keys.data(),
                                      distances.data(), &found),
          "searching");
    for (size_t i = 0; i < found; ++i) docs[i] = QV_DOC_KEY(chunk_keys[i]);
  } else if (hybrid) {
    check(qv_index_search_hybrid(index.get(), question.c_str(), k, &params, docs.data(),
                                 chunk_keys.data(), distances.data(), &found),
          "searching");
  } else {
    check(qv_index_search_text_ex(index.get(), question.c_str(), k, &params, docs.data(),
                                  chunk_keys.data(), distances.data(), &found),
          "searching");
  }
  std::vector<std::string> sources(found), snippets(found);
  for (size_t i = 0; i < found; ++i) {
    sources[i] = source_of(index.get(), docs[i]);
    snippets[i] = passage(index.get(), chunk_keys[i], full);
  }
  if (args.has("json")) {
    print_json(question,
               chunks   ? "chunks"
               : hybrid ? "hybrid"
                        : "documents",
               hybrid, sources, snippets, docs, chunk_keys, distances, found);
    return 0;
  }
  if (found == 0) {
    std::printf("no documents in %s\n", pos[0].c_str());
    return 0;
  }
  for (size_t i = 0; i < found; ++i) {
    // "bees.txt  (document 123, distance 0.2)", or without a source as before.
    std::string head = sources[i].empty() ? "document " + std::to_string(docs[i])
                                          : sources[i] + "  (document " + std::to_string(docs[i]);
    if (chunks) head += ", chunk " + std::to_string(QV_CHUNK_NUMBER(chunk_keys[i]));
    head += sources[i].empty() ? "  (" : ", ";
    std::printf("%zu. %s%s %.4f)\n", i + 1, head.c_str(), hybrid ? "score" : "distance",
                distances[i]);
    std::printf("   %s\n", snippets[i].c_str());
  }
  return 0;
}

}  // namespace quiver::cli
