// quiver build: vectors from a file into a saved index.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "core/limits.h"

namespace quiver::cli {

static const char kBuildHelp[] =
    "usage: quiver build --input FILE -o INDEX [options]\n\n"
    "Builds an index from vectors and saves it (crash-safe) at INDEX, an HNSW graph\n"
    "numbered for memory locality (neighbours near each other in memory).\n\n"
    "  --input FILE            vectors: .fvecs, .bvecs or .npy (float16/32/64, n x dim)\n"
    "  -o, --output INDEX      where to save the index\n"
    "  --metric l2|ip|cosine   distance (default l2)\n"
    "  --index hnsw|flat       index kind (default hnsw)\n"
    "  --storage f32|f16|i8|b1 how the index stores vectors (default f32; i8 and b1 keep the\n"
    "                          float32 originals to re-rank; b1: cosine and ip only)\n"
    "  --codes-only            i8/b1: keep only the codes (smaller; distances estimated)\n"
    "  --m N                   HNSW links per node (default 16)\n"
    "  --ef-construction N     HNSW build candidate list (default 200)\n"
    "  --ef-search N           default search candidate list saved with the index (default 64)\n"
    "  --threads N             build threads, 0 = all cores (default 0)\n"
    "  --limit N               use only the first N vectors (N >= 1; default: all)\n"
    "  --keys FILE.npy         keys of the rows (integers, one per row, e.g. from quiver\n"
    "                          export); default: the row numbers 0..n-1\n"
    "  --compress              zstd-compress vectors and graph (smaller; no in-place mmap)\n"
    "  --quiet                 no progress bar\n"
    "Keys are the row numbers 0..n-1 unless --keys gives them.\n";

int cmd_build(int argc, char** argv) {
  Args args(argc, argv,
            {"input", "output", "metric", "index", "m", "ef-construction", "ef-search", "threads",
             "limit", "storage", "keys"},
            {"quiet", "help", "compress", "codes-only"});
  if (args.has("help")) {
    std::fputs(kBuildHelp, stdout);
    return 0;
  }
  if (!args.has("input")) throw UsageError{"--input is required"};
  if (!args.has("output")) throw UsageError{"-o/--output is required"};
  const bool quiet = args.has("quiet");

  qv_index_options opts;
  qv_index_options_init(&opts);
  opts.metric = parse_metric(args.get("metric", "l2"));
  opts.kind = parse_kind(args.get("index", "hnsw"));
  opts.storage = parse_storage(args.get("storage", "f32"));
  if (opts.storage == QV_STORAGE_B1 && opts.metric == QV_METRIC_L2)
    throw UsageError{"--storage b1 needs --metric cosine or ip (signs say nothing of L2)"};
  opts.keep_originals = args.has("codes-only") ? 0 : 1;
  const unsigned long long m = args.get_uint("m", 16);
  if (m < kMinHnswM || m > kMaxHnswM)
    throw UsageError{"--m is " + std::to_string(m) + "; it must be between " +
                     std::to_string(kMinHnswM) + " and " + std::to_string(kMaxHnswM) +
                     " (16 is a good default)"};
  opts.hnsw_m = uint32_t(m);
  opts.hnsw_ef_construction = uint32_t(args.get_uint("ef-construction", 200));
  opts.hnsw_ef_search = uint32_t(args.get_uint("ef-search", 64));
  opts.threads = uint32_t(args.get_uint("threads", 0));

  io::FloatMatrix data = load_vectors(args.get("input"), limit_arg(args));
  if (data.rows == 0) throw CliError{args.get("input") + ": holds no vectors"};
  opts.dim = uint32_t(data.cols);
  std::vector<uint64_t> given_keys;
  if (args.has("keys")) {
    given_keys = load_keys(args.get("keys"));
    // With --limit the first rows take the first keys; else one key a row.
    if (given_keys.size() < data.rows || (!args.has("limit") && given_keys.size() != data.rows))
      throw CliError{args.get("keys") + ": holds " + std::to_string(given_keys.size()) +
                     " keys for " + std::to_string(data.rows) + " vectors"};
  }

  qv_index* raw = nullptr;
  check(qv_index_create(&opts, &raw), "creating the index");
  IndexPtr index(raw);

  auto start = std::chrono::steady_clock::now();
  {
    Progress progress("building", data.rows, quiet);
    const size_t step = std::max<size_t>(1000, data.rows / 200);
    std::vector<uint64_t> keys;
    for (size_t begin = 0; begin < data.rows; begin += step) {
      size_t n = std::min(step, data.rows - begin);
      keys.resize(n);
      for (size_t i = 0; i < n; ++i)
        keys[i] = given_keys.empty() ? begin + i : given_keys[begin + i];
      check(qv_index_add_batch(index.get(), n, keys.data(), data.data.data() + begin * data.cols),
            "adding vectors " + std::to_string(begin) + ".." + std::to_string(begin + n - 1));
      progress.update(begin + n);
    }
  }
  // Renumbers an HNSW graph for memory locality (a no-op for FLAT): searches
  // of the saved file run 13-29% faster out of cache (bench/README.md).
  check(qv_index_compact(index.get()), "ordering the graph for locality");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  qv_save_options save;
  qv_save_options_init(&save);
  save.compress_vectors = save.compress_graph = args.has("compress") ? 1 : 0;
  const std::string out = args.get("output");
  check(qv_index_save_with_options(index.get(), out.c_str(), &save), "saving " + out);
  if (!quiet)
    std::printf("built %s %s %s index of %zu x %zu in %.2f s (%.0f vectors/s); saved to %s\n",
                kind_name(opts.kind), metric_name(opts.metric), storage_name(opts.storage),
                data.rows, data.cols, seconds, data.rows / seconds, out.c_str());
  return 0;
}

}  // namespace quiver::cli
