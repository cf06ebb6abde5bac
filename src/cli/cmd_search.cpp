// quiver search: queries from a file against a saved index.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/inputs.h"

namespace quiver::cli {

static const char kSearchHelp[] =
    "usage: quiver search INDEX --query FILE [options]\n\n"
    "Searches INDEX for the k nearest neighbours of each query and prints them,\n"
    "one query per line: the query number, then key:distance pairs, nearest first.\n\n"
    "  --query FILE          queries: .fvecs, .bvecs or .npy\n"
    "  -k N                  neighbours per query (default 10)\n"
    "  --ef N                HNSW candidate list (default: the index's)\n"
    "  --rerank N            i8/b1 storage: candidates re-ranked on the float32 originals\n"
    "                        (default: all ef of them)\n"
    "  --groundtruth FILE    .ivecs of true neighbours: prints recall@k instead of results\n"
    "  --threads N           search threads, 0 = all cores (default 0)\n"
    "  --mmap                open the index by mmap instead of loading it\n"
    "  --limit N             use only the first N queries (N >= 1; default: all)\n"
    "  --npy PREFIX          also write PREFIX.keys.npy (uint64) and PREFIX.distances.npy\n"
    "                        (float32), nq x k; missing results: key 2^64-1, distance inf\n"
    "  --quiet               print only the summary line\n";

int cmd_search(int argc, char** argv) {
  Args args(argc, argv, {"query", "k", "ef", "groundtruth", "threads", "limit", "rerank", "npy"},
            {"quiet", "help", "mmap"});
  if (args.has("help")) {
    std::fputs(kSearchHelp, stdout);
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"give exactly one INDEX path"};
  if (!args.has("query")) throw UsageError{"--query is required"};
  const size_t k = args.get_uint("k", 10);
  if (k == 0) throw UsageError{"-k must be at least 1"};

  IndexPtr index = open_index(args.positional()[0], args.has("mmap"));
  uint32_t dim = 0;
  check(qv_index_dim(index.get(), &dim), "reading the index dimension");
  io::FloatMatrix queries = load_vectors(args.get("query"), limit_arg(args));
  if (queries.rows == 0) throw CliError{args.get("query") + ": holds no vectors"};
  if (queries.cols != dim)
    throw CliError{args.get("query") + ": queries have dimension " + std::to_string(queries.cols) +
                   " but the index has dimension " + std::to_string(dim)};

  qv_search_params params;
  qv_search_params_init(&params);
  params.ef = uint32_t(args.get_uint("ef", 0));
  params.threads = uint32_t(args.get_uint("threads", 0));
  params.rerank = size_t(args.get_uint("rerank", 0));
  std::vector<uint64_t> keys(queries.rows * k);
  std::vector<float> distances(queries.rows * k);
  std::vector<size_t> found(queries.rows);
  auto start = std::chrono::steady_clock::now();
  check(qv_index_search_batch(index.get(), queries.rows, queries.data.data(), k, &params,
                              keys.data(), distances.data(), found.data()),
        "searching");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (args.has("npy")) write_results_npy(args.get("npy"), queries.rows, k, keys, distances);

  if (args.has("groundtruth")) {
    io::IntMatrix truth = load_groundtruth(args.get("groundtruth"));
    if (truth.rows < queries.rows || truth.cols < k)
      throw CliError{args.get("groundtruth") + ": holds " + std::to_string(truth.rows) + " x " +
                     std::to_string(truth.cols) + " neighbours; need at least " +
                     std::to_string(queries.rows) + " x " + std::to_string(k)};
    size_t hits = 0;
    for (size_t q = 0; q < queries.rows; ++q) {
      const int32_t* t = truth.data.data() + q * truth.cols;
      for (size_t i = 0; i < found[q]; ++i) hits += std::count(t, t + k, int32_t(keys[q * k + i]));
    }
    std::printf("recall@%zu %.4f  queries %zu  %.0f QPS\n", k,
                double(hits) / double(queries.rows * k), queries.rows, queries.rows / seconds);
    return 0;
  }
  if (!args.has("quiet")) {
    for (size_t q = 0; q < queries.rows; ++q) {
      std::printf("%zu", q);
      for (size_t i = 0; i < found[q]; ++i)
        std::printf(" %llu:%g", (unsigned long long)keys[q * k + i], distances[q * k + i]);
      std::printf("\n");
    }
  }
  std::fprintf(args.has("quiet") ? stdout : stderr, "%zu queries in %.3f s (%.0f QPS)\n",
               queries.rows, seconds, queries.rows / seconds);
  return 0;
}

}  // namespace quiver::cli
