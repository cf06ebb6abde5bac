// Loading vector files for the tool, by extension: .fvecs, .bvecs, .npy.
#pragma once

#include <string>

#include "io/vecs_file.h"
#include "quiver/quiver.h"

namespace quiver::cli {

// Throws CliError with a one-line message when the file is missing, of an
// unknown type, or malformed.
io::FloatMatrix load_vectors(const std::string& path, size_t max_rows = 0);
io::IntMatrix load_groundtruth(const std::string& path);

class Args;
// The --limit value: 0 (every row) when absent; throws UsageError for 0,
// which would otherwise read as "no limit".
size_t limit_arg(const Args& args);

// Parses --metric / --index values; throws UsageError on anything else.
qv_metric parse_metric(const std::string& name);
// PREFIX.keys.npy (uint64) and PREFIX.distances.npy (float32), rows x k
// each, written crash-safely. Throws CliError naming the file.
void write_results_npy(const std::string& prefix, size_t rows, size_t k,
                       const std::vector<uint64_t>& keys, const std::vector<float>& distances);
// The keys of a .npy file (integers, one per row), for `build --keys`.
std::vector<uint64_t> load_keys(const std::string& path);
qv_storage parse_storage(const std::string& name);  // f32 | f16 | i8 | b1
const char* storage_name(qv_storage storage);
qv_index_kind parse_kind(const std::string& name);
const char* metric_name(qv_metric metric);
const char* kind_name(qv_index_kind kind);

}  // namespace quiver::cli
