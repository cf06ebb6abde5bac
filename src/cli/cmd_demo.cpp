// quiver demo: the main job end to end with no arguments and no network.
// Builds an HNSW index on real data (SIFT10K from ../shared/data when present,
// else a generated Gaussian mixture), then reports recall@10 against the exact
// answer and single-thread queries per second over an ef sweep. Then the text
// half (demo_text.cpp): the repository's corpus in, questions in words.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/progress.h"
#include "core/error.h"
#include "io/vecs_file.h"

namespace quiver::cli {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Dataset {
  std::string name;
  io::FloatMatrix base, queries;
  io::IntMatrix truth;  // empty: compute exactly
};

Dataset generated_dataset() {
  Dataset d;
  d.name = "generated Gaussian mixture (10000 x 64, 32 clusters)";
  const size_t n = 10000, nq = 200, dim = 64, clusters = 32;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(clusters * dim);
  for (auto& c : centres) c = normal(rng) * 4.0f;
  auto fill = [&](io::FloatMatrix& m, size_t rows) {
    m.rows = rows;
    m.cols = dim;
    m.data.resize(rows * dim);
    for (size_t r = 0; r < rows; ++r) {
      size_t c = rng() % clusters;
      for (size_t j = 0; j < dim; ++j) m.data[r * dim + j] = centres[c * dim + j] + normal(rng);
    }
  };
  fill(d.base, n);
  fill(d.queries, nq);
  return d;
}

Dataset load_dataset(bool quiet) {
  std::string dir = find_data_dir();
  if (!dir.empty()) {
    std::string s = dir + "/siftsmall/siftsmall_";
    try {
      Dataset d;
      d.name = "SIFT10K (texmex siftsmall, 10000 x 128, from " + dir + ")";
      d.base = io::read_vectors(s + "base.fvecs");
      d.queries = io::read_vectors(s + "query.fvecs");
      d.truth = io::read_ivecs(s + "groundtruth.ivecs");
      return d;
    } catch (const Error& e) {
      if (!quiet)
        std::fprintf(stderr, "quiver: cannot use %s (%s); generating data\n", dir.c_str(),
                     e.what());
    }
  } else if (!quiet) {
    std::fprintf(stderr, "quiver: no ../shared/data found; generating data instead\n");
  }
  return generated_dataset();
}

IndexPtr create_index(qv_index_kind kind, uint32_t dim) {
  qv_index_options opts;
  qv_index_options_init(&opts);
  opts.dim = dim;
  opts.kind = kind;
  qv_index* raw = nullptr;
  check(qv_index_create(&opts, &raw), "creating the index");
  return IndexPtr(raw);
}

// Exact top-k with a flat index when the dataset has no ground truth.
io::IntMatrix exact_truth(const Dataset& d, size_t k) {
  IndexPtr flat = create_index(QV_INDEX_FLAT, uint32_t(d.base.cols));
  std::vector<uint64_t> keys(d.base.rows);
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = i;
  check(qv_index_add_batch(flat.get(), keys.size(), keys.data(), d.base.data.data()),
        "adding to the flat index");
  io::IntMatrix t;
  t.rows = d.queries.rows;
  t.cols = k;
  std::vector<uint64_t> out(t.rows * k);
  std::vector<size_t> found(t.rows);
  check(qv_index_search_batch(flat.get(), t.rows, d.queries.data.data(), k, nullptr, out.data(),
                              nullptr, found.data()),
        "exact search");
  t.data.assign(out.begin(), out.end());
  return t;
}

}  // namespace

int cmd_demo(int argc, char** argv) {
  Args args(argc, argv, {}, {"quiet", "help"});
  if (args.has("help")) {
    std::printf(
        "usage: quiver demo [--quiet]\n\n"
        "Builds an HNSW index on SIFT10K from ../shared/data (or generated data when it is\n"
        "absent) and prints recall@10 against the exact answer and queries per second.\n"
        "Then adds the text corpus of examples/data/text with the offline hashing\n"
        "embedder and asks it questions in words.\n"
        "Needs no network and no arguments. Set QUIVER_DATA_DIR to use another data folder\n"
        "and QUIVER_TEXT_DIR another text corpus (passages.tsv and queries.tsv).\n");
    return 0;
  }
  const bool quiet = args.has("quiet");
  const size_t k = 10;
  Dataset d = load_dataset(quiet);
  if (d.truth.rows == 0) d.truth = exact_truth(d, k);
  const uint32_t dim = uint32_t(d.base.cols);
  std::printf("Quiver %s demo on %s\n", qv_version(), d.name.c_str());
  std::printf("%zu queries, k = %zu\n\n", d.queries.rows, k);

  IndexPtr index = create_index(QV_INDEX_HNSW, dim);
  auto t0 = Clock::now();
  {
    Progress progress("building", d.base.rows, quiet);
    const size_t step = 1000;
    std::vector<uint64_t> keys(step);
    for (size_t begin = 0; begin < d.base.rows; begin += step) {
      size_t n = std::min(step, d.base.rows - begin);
      for (size_t i = 0; i < n; ++i) keys[i] = begin + i;
      check(qv_index_add_batch(index.get(), n, keys.data(), d.base.data.data() + begin * dim),
            "adding vectors");
      progress.update(begin + n);
    }
  }
  double build_s = seconds_since(t0);
  std::printf(
      "built HNSW (M=16, ef_construction=200) over %zu vectors in %.2f s (%.0f vectors/s, all "
      "cores)\n\n",
      d.base.rows, build_s, d.base.rows / build_s);

  std::printf("%6s  %10s  %12s\n", "ef", "recall@10", "QPS (1 thread)");
  std::vector<uint64_t> found_keys(k);
  for (uint32_t ef : {16u, 32u, 64u, 128u, 256u}) {
    qv_search_params params;
    qv_search_params_init(&params);
    params.ef = ef;
    size_t hits = 0, found = 0, searches = 0;
    auto start = Clock::now();
    double elapsed = 0;
    do {  // repeat passes until the timing is long enough to trust
      for (size_t q = 0; q < d.queries.rows; ++q) {
        check(qv_index_search(index.get(), d.queries.data.data() + q * dim, k, &params,
                              found_keys.data(), nullptr, &found),
              "searching");
        if (searches < d.queries.rows) {
          const int32_t* truth = d.truth.data.data() + q * d.truth.cols;
          for (size_t i = 0; i < found; ++i)
            hits += std::count(truth, truth + k, int32_t(found_keys[i]));
        }
        ++searches;
      }
      elapsed = seconds_since(start);
    } while (elapsed < 0.3);
    std::printf("%6u  %10.4f  %12.0f\n", ef, double(hits) / double(d.queries.rows * k),
                searches / elapsed);
  }
  demo_text(quiet);
  return 0;
}

}  // namespace quiver::cli
