// quiver export: a saved index's vectors and keys as NumPy files.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/index_ptr.h"

namespace quiver::cli {

int cmd_export(int argc, char** argv) {
  Args args(argc, argv, {"npy"}, {"help", "quiet"});
  if (args.has("help")) {
    std::printf(
        "usage: quiver export INDEX --npy PREFIX\n\n"
        "Writes PREFIX.vectors.npy (float32, n x dim) and PREFIX.keys.npy (uint64, n),\n"
        "row i of one matching entry i of the other; numpy.load reads both.\n");
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError{"give exactly one INDEX path"};
  if (!args.has("npy")) throw UsageError{"--npy PREFIX is required"};
  IndexPtr index = open_index(args.positional()[0], true);
  const std::string vectors = args.get("npy") + ".vectors.npy";
  const std::string keys = args.get("npy") + ".keys.npy";
  check(qv_index_export_npy(index.get(), vectors.c_str(), keys.c_str()), "exporting");
  if (!args.has("quiet")) std::printf("wrote %s and %s\n", vectors.c_str(), keys.c_str());
  return 0;
}

}  // namespace quiver::cli
