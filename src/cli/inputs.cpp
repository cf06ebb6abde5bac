#include "cli/inputs.h"

#include "cli/args.h"
#include "cli/commands.h"
#include "core/error.h"
#include "storage/npy_reader.h"

namespace quiver::cli {

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

io::FloatMatrix load_vectors(const std::string& path, size_t max_rows) {
  try {
    if (ends_with(path, ".npy")) {
      io::FloatMatrix m = storage::read_npy_vectors(path);
      if (max_rows) m.truncate(max_rows);
      return m;
    }
    if (ends_with(path, ".fvecs") || ends_with(path, ".bvecs"))
      return io::read_vectors(path, max_rows);
  } catch (const Error& e) {
    throw CliError{e.what()};
  }
  throw CliError{path + ": unknown vector file type; use .fvecs, .bvecs or .npy"};
}

size_t limit_arg(const Args& args) {
  if (!args.has("limit")) return 0;
  const unsigned long long limit = args.get_uint("limit", 0);
  if (limit == 0) throw UsageError{"--limit must be at least 1; leave it out to use every vector"};
  return size_t(limit);
}

io::IntMatrix load_groundtruth(const std::string& path) {
  if (!ends_with(path, ".ivecs")) throw CliError{path + ": ground truth must be an .ivecs file"};
  try {
    return io::read_ivecs(path);
  } catch (const Error& e) {
    throw CliError{e.what()};
  }
}

qv_metric parse_metric(const std::string& name) {
  if (name == "l2") return QV_METRIC_L2;
  if (name == "ip") return QV_METRIC_IP;
  if (name == "cosine") return QV_METRIC_COSINE;
  throw UsageError{"--metric must be l2, ip or cosine, not '" + name + "'"};
}

qv_storage parse_storage(const std::string& name) {
  if (name == "f32") return QV_STORAGE_F32;
  if (name == "f16") return QV_STORAGE_F16;
  if (name == "i8") return QV_STORAGE_I8;
  if (name == "b1") return QV_STORAGE_B1;
  throw UsageError{"--storage must be f32, f16, i8 or b1, not '" + name + "'"};
}

const char* storage_name(qv_storage storage) {
  switch (storage) {
    case QV_STORAGE_F32:
      return "f32";
    case QV_STORAGE_F16:
      return "f16";
    case QV_STORAGE_I8:
      return "i8";
    case QV_STORAGE_B1:
      return "b1";
  }
  return "unknown";
}

qv_index_kind parse_kind(const std::string& name) {
  if (name == "hnsw") return QV_INDEX_HNSW;
  if (name == "flat") return QV_INDEX_FLAT;
  throw UsageError{"--index must be hnsw or flat, not '" + name + "'"};
}

const char* metric_name(qv_metric metric) {
  switch (metric) {
    case QV_METRIC_L2:
      return "l2";
    case QV_METRIC_IP:
      return "ip";
    case QV_METRIC_COSINE:
      return "cosine";
  }
  return "unknown";
}

const char* kind_name(qv_index_kind kind) {
  return kind == QV_INDEX_FLAT ? "flat" : kind == QV_INDEX_HNSW ? "hnsw" : "unknown";
}

}  // namespace quiver::cli
