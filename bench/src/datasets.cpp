#include "datasets.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "groundtruth.h"
#include "mnist_io.h"
#include "synthetic.h"
#include "vecs_io.h"

#ifndef QVB_DEFAULT_DATA_DIR
#define QVB_DEFAULT_DATA_DIR "../shared/data"
#endif

namespace fs = std::filesystem;

namespace qvb {

namespace {

bool missing(std::string* why, const std::string& reason) {
  *why = reason;
  return false;
}

constexpr size_t kDefaultGeneratedN = 100000;
constexpr size_t kDefaultDim = 128;
constexpr size_t kDefaultQueries = 1000;
constexpr size_t kGaussianClusters = 100;
constexpr float kGaussianSigma = 0.5f;

void truncate_rows(Matrix* m, size_t n) {
  if (n >= m->n) return;
  m->n = n;
  m->data.resize(n * m->d);
  m->data.shrink_to_fit();
}

std::string short_float(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void compute_gt(Dataset* ds, const DatasetRequest& req) {
  std::fprintf(stderr,
               "[%s] ground truth: brute force, %zu queries x %zu base x %zu dims on %u threads\n",
               ds->name.c_str(), ds->queries.n, ds->base.n, ds->base.d, req.threads);
  double t0 = now_seconds();
  ds->gt_k = std::min(req.k, ds->base.n);
  ds->gt = brute_force_knn(ds->base, ds->queries, ds->gt_k, req.threads);
  ds->gt_source = "brute force";
  std::fprintf(stderr, "[%s] ground truth took %.2f s\n", ds->name.c_str(), now_seconds() - t0);
}

// siftsmall and bigann10k: base, queries and top-100 ground truth files.
template <typename Reader>
bool load_texmex(const DatasetRequest& req, const std::string& folder, const std::string& ext,
                 Reader read, Dataset* ds, std::string* why, bool want_gt) {
  fs::path dir = fs::path(req.data_dir) / folder;
  fs::path base = dir / (folder + "_base." + ext), query = dir / (folder + "_query." + ext),
           gt = dir / (folder + "_groundtruth.ivecs");
  for (const auto& p : {base, query, gt})
    if (!fs::exists(p)) return missing(why, "missing " + p.string());
  ds->base = read(base.string(), kAllRows);
  ds->queries = read(query.string(), kAllRows);
  if (ds->base.d != ds->queries.d)
    throw std::runtime_error(folder + ": base and query dimensions differ");
  if (req.n > 0 && req.n < ds->base.n) {
    truncate_rows(&ds->base, req.n);
    if (want_gt) compute_gt(ds, req);
  } else {
    ds->gt = read_ivecs(gt.string(), &ds->gt_k);
    ds->gt_source = "file " + gt.filename().string();
    if (ds->gt.size() != ds->queries.n * ds->gt_k || ds->gt_k < req.k)
      throw std::runtime_error(gt.string() + ": does not match the queries");
  }
  return true;
}

}  // namespace

std::vector<std::string> real_datasets() { return {"siftsmall", "bigann10k", "mnist"}; }

std::vector<std::string> known_datasets() {
  auto all = real_datasets();
  all.push_back("random");
  all.push_back("gaussian");
  all.push_back("gaussian-unit");
  all.push_back("dupes");
  return all;
}

std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* candidate : {QVB_DEFAULT_DATA_DIR, "../shared/data"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return "";
}

namespace {

// The named set with its own queries; ground truth only when want_gt (a file's
// ground truth is read either way).
bool load_named(const DatasetRequest& req, Dataset* ds, std::string* why, bool want_gt) {
  *ds = Dataset();
  ds->name = req.name;
  const size_t nq = req.nq ? req.nq : kDefaultQueries;

  if (req.name == "siftsmall") {
    ds->description =
        "ANN_SIFT10K (texmex): SIFT descriptors, float32; queries and ground truth from the set";
    if (req.data_dir.empty()) return missing(why, "no data folder (use --data)");
    return load_texmex(req, "siftsmall", "fvecs", read_fvecs, ds, why, want_gt);
  }
  if (req.name == "bigann10k") {
    ds->description =
        "10k sample of BIGANN (SIFT1B), uint8 read as float; the 100 queries are base rows 0..99";
    if (req.data_dir.empty()) return missing(why, "no data folder (use --data)");
    return load_texmex(req, "bigann10k", "bvecs", read_bvecs, ds, why, want_gt);
  }
  if (req.name == "mnist") {
    if (req.data_dir.empty()) return missing(why, "no data folder (use --data)");
    fs::path images = fs::path(req.data_dir) / "mnist" / "t10k-images-idx3-ubyte.gz";
    if (!fs::exists(images)) return missing(why, "missing " + images.string());
    Matrix all = read_mnist_images_gz(images.string());
    if (nq >= all.n) throw std::runtime_error("mnist: --nq must be below " + std::to_string(all.n));
    size_t nb = all.n - nq;
    if (req.n > 0) nb = std::min(nb, req.n);
    ds->description = "MNIST test images (784-d, pixels 0..255 as float): base = images 0.." +
                      std::to_string(nb - 1) + ", queries = the last " + std::to_string(nq);
    ds->base.n = nb;
    ds->base.d = all.d;
    ds->base.data.assign(all.data.begin(), all.data.begin() + nb * all.d);
    ds->queries.n = nq;
    ds->queries.d = all.d;
    ds->queries.data.assign(all.data.end() - nq * all.d, all.data.end());
    if (want_gt) compute_gt(ds, req);
    return true;
  }
  if (req.name == "random" || req.name == "gaussian" || req.name == "gaussian-unit") {
    const size_t n = req.n ? req.n : kDefaultGeneratedN, d = req.dim ? req.dim : kDefaultDim;
    ds->generated = true;
    double t0 = now_seconds();
    if (req.name == "random") {
      ds->description = "GENERATED: uniform [0,1)^" + std::to_string(d) +
                        " (far harder for graph indexes than real data)";
      ds->base = make_uniform(n, d, req.seed, req.threads);
      ds->queries = make_uniform(nq, d, req.seed + 1, req.threads);
    } else {
      ds->description = "GENERATED: mixture of " + std::to_string(kGaussianClusters) +
                        " Gaussians in " + std::to_string(d) + "-d, centres N(0,1), sigma " +
                        std::to_string(kGaussianSigma).substr(0, 4);
      ds->base =
          make_gaussian_mixture(n, d, kGaussianClusters, kGaussianSigma, req.seed, 1, req.threads);
      ds->queries =
          make_gaussian_mixture(nq, d, kGaussianClusters, kGaussianSigma, req.seed, 2, req.threads);
      if (req.name == "gaussian-unit") {
        ds->description += ", every row scaled to length 1 (L2 ranks as cosine)";
        normalize_rows(ds->base);
        normalize_rows(ds->queries);
        ds->unit_rows = true;
      }
    }
    std::fprintf(stderr, "[%s] generated %zu + %zu vectors of %zu dims in %.2f s\n",
                 req.name.c_str(), n, nq, d, now_seconds() - t0);
    if (want_gt) compute_gt(ds, req);
    return true;
  }
  if (req.name == "dupes") {
    const size_t n = req.n ? req.n : kDefaultGeneratedN, d = req.dim ? req.dim : kDefaultDim;
    ds->generated = true;
    double t0 = now_seconds();
    DuplicatedData dup = make_duplicated(n, d, nq, req.dup, kGaussianClusters, kGaussianSigma,
                                         req.seed, req.threads);
    ds->base = std::move(dup.base);
    ds->queries = std::move(dup.queries);
    ds->self_ids = std::move(dup.self_ids);
    const bool near = req.dup.noise > 0;
    if (near) ds->name += "-near";
    ds->description =
        "GENERATED: mixture of " + std::to_string(kGaussianClusters) + " Gaussians in " +
        std::to_string(d) + "-d (centres N(0,1), sigma " + short_float(kGaussianSigma) + "); " +
        std::to_string(dup.copies) + " rows (" + short_float(100 * req.dup.copies) + "%) are " +
        (near ? "near-copies (+ N(0, " + short_float(req.dup.noise) + "^2) per component)"
              : std::string("exact copies")) +
        " of " + std::to_string(dup.sources) + " rows (" + short_float(100 * req.dup.sources) +
        "%), about " + std::to_string(dup.copies / dup.sources) +
        " each, rows shuffled; queries: even ones held out from the mixture, odd ones equal to a "
        "copied row";
    std::fprintf(stderr, "[%s] generated %zu + %zu vectors of %zu dims in %.2f s\n",
                 ds->name.c_str(), n, nq, d, now_seconds() - t0);
    if (want_gt) compute_gt(ds, req);
    return true;
  }
  throw std::runtime_error("unknown data set '" + req.name + "'");
}

// Queries become nq distinct base rows, each its own expected first result.
void use_base_rows_as_queries(Dataset* ds, size_t nq, uint64_t seed) {
  const std::vector<uint32_t> rows = sample_rows(ds->base.n, nq, seed);
  ds->queries.n = rows.size();
  ds->queries.d = ds->base.d;
  ds->queries.data.resize(rows.size() * ds->base.d);
  for (size_t q = 0; q < rows.size(); ++q)
    std::copy(ds->base.row(rows[q]), ds->base.row(rows[q]) + ds->base.d, ds->queries.row(q));
  ds->self_ids = rows;
  ds->name += "-self";
  ds->description += "; SELF-QUERIES: the queries are " + std::to_string(rows.size()) +
                     " distinct base rows, each expected first";
}

}  // namespace

bool load_dataset(const DatasetRequest& req, Dataset* ds, std::string* why) {
  if (!load_named(req, ds, why, !req.self_queries)) return false;
  if (req.self_queries) {
    use_base_rows_as_queries(ds, req.nq ? req.nq : kDefaultQueries, req.seed);
    compute_gt(ds, req);
  }
  return true;
}

}  // namespace qvb
