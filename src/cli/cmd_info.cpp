// quiver info: what a saved index holds.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"
#include "cli/inputs.h"

namespace quiver::cli {

int cmd_info(int argc, char** argv) {
  Args args(argc, argv, {}, {"help"});
  if (args.has("help")) {
    std::printf(
        "usage: quiver info INDEX\n\nPrints the kind, metric, dimension, counts and "
        "parameters of a saved index (opened by mmap: nothing is loaded).\n");
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"give exactly one INDEX path"};
  IndexPtr index = open_index(args.positional()[0], true);
  qv_index_info info;
  qv_index_info_init(&info);
  check(qv_index_get_info(index.get(), &info), "reading index information");
  std::printf("path        %s\n", args.positional()[0].c_str());
  std::printf("kind        %s\n", kind_name(info.kind));
  std::printf("metric      %s\n", metric_name(info.metric));
  std::printf("dimension   %u\n", info.dim);
  std::printf("storage     %s%s\n", storage_name(info.storage),
              info.storage == QV_STORAGE_I8 || info.storage == QV_STORAGE_B1
                  ? (info.keeps_originals ? " (float32 originals kept)" : " (codes only)")
                  : "");
  std::printf("vectors     %llu\n", (unsigned long long)info.count);
  std::printf("removed     %llu\n", (unsigned long long)info.deleted);
  std::printf("metadata    %llu\n", (unsigned long long)info.metadata_count);
  if (info.kind == QV_INDEX_HNSW)
    std::printf("hnsw        M %u, ef_construction %u, ef_search %u, seed %llu\n", info.hnsw_m,
                info.hnsw_ef_construction, info.hnsw_ef_search, (unsigned long long)info.seed);
  size_t heap = 0;
  check(qv_index_memory_bytes(index.get(), &heap), "measuring memory");
  std::printf(
      "memory      %.1f MiB in the heap (opened by mmap: the file's pages are not "
      "counted)\n",
      double(heap) / (1024.0 * 1024.0));
  if (FILE* f = std::fopen(args.positional()[0].c_str(), "rb")) {
    std::fseek(f, 0, SEEK_END);
    std::printf("file        %.1f MiB\n", double(std::ftell(f)) / (1024.0 * 1024.0));
    std::fclose(f);
  }
  std::printf("library     quiver %s\n", qv_version());
  return 0;
}

}  // namespace quiver::cli
