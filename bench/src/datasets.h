// The named benchmark data sets: loading or generating them, splitting base
// and queries, and getting exact ground truth (from the file, or by brute
// force when the file has none or the base was cut with --n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"
#include "synthetic.h"

namespace qvb {

struct DatasetRequest {
  std::string name;      // one of known_datasets()
  std::string data_dir;  // folder holding siftsmall/, bigann10k/, mnist/
  size_t n = 0;          // base vectors; 0 = the data set's default
  size_t dim = 0;        // generated sets only; 0 = 128
  size_t nq = 0;         // queries for mnist and generated sets; 0 = 1000
  size_t k = 10;         // ground-truth depth needed
  unsigned threads = 1;  // for generation and brute-force ground truth
  uint64_t seed = 42;
  DuplicationSpec dup;        // the `dupes` set: copy/source fractions, noise
  bool self_queries = false;  // queries = nq base rows (self-recall); any set
};

std::vector<std::string> real_datasets();   // siftsmall, bigann10k, mnist
std::vector<std::string> known_datasets();  // real ones + random, gaussian, dupes

// The data folder: `flag` if given, else <project>/../shared/data, else
// ../shared/data from the working directory. "" if none exists.
std::string resolve_data_dir(const std::string& flag);

// Fills *out. With req.self_queries the queries are replaced by nq distinct
// base rows (out->self_ids names them; ".. -self" is added to the name) and
// ground truth is recomputed by brute force. Returns false with a reason in *why when the files are
// missing (the caller skips the data set); throws std::runtime_error on bad files.
bool load_dataset(const DatasetRequest& req, Dataset* out, std::string* why);

}  // namespace qvb
