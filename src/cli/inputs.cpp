#include "cli/inputs.h"

#include "cli/args.h"
#include "cli/commands.h"
#include "core/error.h"
#include "storage/npy_reader.h"
#include "storage/npy_writer.h"

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

void write_results_npy(const std::string& prefix, size_t rows, size_t k,
                       const std::vector<uint64_t>& keys, const std::vector<float>& distances) {
  auto write = [&](const std::string& path, const char* descr, const void* data, size_t item) {
    try {
      storage::NpyWriter out(path, descr, {rows, k}, item);
      out.append(data, rows * k * item);
      out.commit();
    } catch (const Error& e) {
      throw CliError{path + ": " + e.what()};
    }
  };
  write(prefix + ".keys.npy", "<u8", keys.data(), sizeof(uint64_t));
  write(prefix + ".distances.npy", "<f4", distances.data(), sizeof(float));
}

std::vector<uint64_t> load_keys(const std::string& path) {
  try {
    return storage::read_npy_keys(path);
  } catch (const Error& e) {
    throw CliError{e.what()};
  }
}

namespace {

// The value in [first, last] whose library name (qv_*_name) is `name`;
// else a usage error listing the names, e.g. "--metric must be l2, ip or
// cosine, not 'x'".
template <typename Enum>
Enum parse_name(const std::string& name, int first, int last, const char* (*name_of)(Enum),
                const char* flag) {
  std::string names;
  for (int v = first; v <= last; ++v) {
    const std::string n = name_of(Enum(v));
    if (name == n) return Enum(v);
    if (v != first) names += v == last ? " or " : ", ";
    names += n;
  }
  throw UsageError{std::string("--") + flag + " must be " + names + ", not '" + name + "'"};
}

template <typename Enum>
const char* name_or_unknown(const char* (*name_of)(Enum), Enum value) {
  const char* name = name_of(value);
  return name ? name : "unknown";
}

}  // namespace

qv_metric parse_metric(const std::string& name) {
  return parse_name(name, QV_METRIC_L2, QV_METRIC_COSINE, qv_metric_name, "metric");
}

qv_storage parse_storage(const std::string& name) {
  return parse_name(name, QV_STORAGE_F32, QV_STORAGE_B1, qv_storage_name, "storage");
}

qv_index_kind parse_kind(const std::string& name) {
  return parse_name(name, QV_INDEX_FLAT, QV_INDEX_HNSW, qv_index_kind_name, "index");
}

const char* metric_name(qv_metric metric) { return name_or_unknown(qv_metric_name, metric); }
const char* storage_name(qv_storage storage) { return name_or_unknown(qv_storage_name, storage); }
const char* kind_name(qv_index_kind kind) { return name_or_unknown(qv_index_kind_name, kind); }

}  // namespace quiver::cli
