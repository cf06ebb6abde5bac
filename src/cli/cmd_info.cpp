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
  info.struct_size = sizeof info;
  check(qv_index_get_info(index.get(), &info), "reading index information");
  std::printf("path        %s\n", args.positional()[0].c_str());
  std::printf("kind        %s\n", kind_name(info.kind));
  std::printf("metric      %s\n", metric_name(info.metric));
  std::printf("dimension   %u\n", info.dim);
  std::printf("vectors     %llu\n", (unsigned long long)info.count);
  std::printf("removed     %llu\n", (unsigned long long)info.deleted);
  std::printf("metadata    %llu\n", (unsigned long long)info.metadata_count);
  if (info.kind == QV_INDEX_HNSW)
    std::printf("hnsw        M %u, ef_construction %u, ef_search %u, seed %llu\n", info.hnsw_m,
                info.hnsw_ef_construction, info.hnsw_ef_search, (unsigned long long)info.seed);
  std::printf("library     quiver %s\n", qv_version());
  return 0;
}

}  // namespace quiver::cli
