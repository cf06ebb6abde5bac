// The text half of quiver demo: the repository's corpus (examples/data/text)
// into an index with the offline hashing embedder, then questions in words.
// Needs no network and no model.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/progress.h"
#include "cli/text_support.h"

namespace quiver::cli {

namespace {

constexpr uint32_t kDim = 512;
const char* const kQuestions[] = {
    "How do honeybees turn nectar into honey?",
    "How do sharks breathe?",
    "What did Gutenberg print first?",
};

// Passages come grouped by subject, one label per subject.
size_t count_subjects(const std::vector<LabelledText>& passages) {
  size_t subjects = 0;
  for (size_t i = 0; i < passages.size(); ++i)
    subjects += i == 0 || passages[i].label != passages[i - 1].label;
  return subjects;
}

// An empty HNSW cosine index with the hashing embedder attached.
IndexPtr make_text_index() {
  qv_index_options opts;
  qv_index_options_init(&opts);
  opts.dim = kDim;
  opts.metric = QV_METRIC_COSINE;
  qv_index* raw = nullptr;
  check(qv_index_create(&opts, &raw), "creating the text index");
  IndexPtr index(raw);
  EmbedderPtr embedder = make_embedder(false, kDim);
  check(qv_index_set_embedder(index.get(), embedder.get()), "attaching the embedder");
  return index;  // the index keeps its own reference to the embedder
}

// Adds passage i under document key i, in one call; prints how long it took.
void ingest_passages(qv_index* index, const std::vector<LabelledText>& passages, bool quiet) {
  const auto start = std::chrono::steady_clock::now();
  {
    Progress progress("ingesting", passages.size(), quiet);
    std::vector<uint64_t> keys;
    std::vector<const char*> texts;
    for (size_t i = 0; i < passages.size(); ++i) {
      keys.push_back(i);
      texts.push_back(passages[i].text.c_str());
    }
    check(qv_index_add_texts(index, keys.size(), keys.data(), texts.data()), "adding the passages");
    progress.update(passages.size());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t chunks = 0;
  check(qv_index_count(index, &chunks), "counting");
  std::printf(
      "ingested %zu passages (%zu chunks) in %.3f s (%.0f passages/s, chunk, embed and "
      "index)\n",
      passages.size(), chunks, seconds, passages.size() / seconds);
}

// How many queries find a passage on their own subject first.
size_t count_right_answers(const qv_index* index, const std::vector<LabelledText>& passages,
                           const std::vector<LabelledText>& queries) {
  size_t right = 0;
  for (const LabelledText& q : queries) {
    uint64_t doc = 0;
    size_t found = 0;
    check(qv_index_search_text(index, q.text.c_str(), 1, nullptr, &doc, nullptr, &found),
          "asking \"" + q.text + "\"");
    right += found == 1 && doc < passages.size() && passages[doc].label == q.label;
  }
  return right;
}

// Prints the question and the passage that answers it best.
void answer(const qv_index* index, const std::vector<LabelledText>& passages,
            const char* question) {
  uint64_t doc = 0, chunk = 0;
  float distance = 0;
  size_t found = 0;
  check(qv_index_search_text_ex(index, question, 1, nullptr, &doc, &chunk, &distance, &found),
        std::string("asking \"") + question + "\"");
  std::printf("\nQ: %s\n", question);
  if (found == 0) {
    std::printf("   (no answer)\n");
    return;
  }
  const void* data = nullptr;
  size_t len = 0;
  check(qv_index_get_metadata(index, chunk, &data, &len), "reading the passage");
  std::printf("   document %llu [%s], distance %.4f\n   %s\n", (unsigned long long)doc,
              doc < passages.size() ? passages[doc].label.c_str() : "?", distance,
              excerpt(std::string_view(static_cast<const char*>(data), len), 300).c_str());
}

}  // namespace

void demo_text(bool quiet) {
  const std::string dir = find_text_dir();
  if (dir.empty()) {
    std::printf(
        "\ntext search: skipped, no corpus found (set QUIVER_TEXT_DIR to "
        "examples/data/text)\n");
    return;
  }
  const std::vector<LabelledText> passages = read_tsv(dir + "/passages.tsv");
  const std::vector<LabelledText> queries = read_tsv(dir + "/queries.tsv");
  IndexPtr index = make_text_index();
  std::printf(
      "\nText search on %zu passages about %zu subjects (%s),\n"
      "offline hashing embedder (dim %u), HNSW, cosine distance\n",
      passages.size(), count_subjects(passages), dir.c_str(), kDim);
  ingest_passages(index.get(), passages, quiet);
  std::printf("known questions (queries.tsv): %zu of %zu find a passage on their subject first\n",
              count_right_answers(index.get(), passages, queries), queries.size());
  for (const char* question : kQuestions) answer(index.get(), passages, question);
}

}  // namespace quiver::cli
