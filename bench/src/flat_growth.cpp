// quiver_flat_growth: how a FLAT index grows and shrinks (issue 11, defect 3).
//
//   quiver_flat_growth [--n N]... [--dim D] [--budget S]
//
// For each N (default 20000 and 200000) on uniform random D-dim vectors
// (default 128), each figure on a fresh index:
//   - add: N calls of qv_index_add;
//   - add_batch(1): N calls of qv_index_add_batch with one row each, as every
//     add_text into a FLAT index is; stopped after --budget seconds (default
//     60) and then reported per row, since an O(n) batch makes the loop
//     quadratic;
//   - add_batch(1000): the same rows in batches of 1000;
//   - memory: RSS growth over the add loop (after malloc_trim) and its peak
//     (VmHWM, reset through /proc/self/clear_refs), as multiples of the raw
//     vector bytes N x D x 4; then after removing every other key, and after
//     qv_index_compact, as multiples of the live vector bytes.
// Public C API only. Linux (/proc); RSS figures are approximate (allocator
// caching shows, see README "Caveats").
#include <malloc.h>
#include <quiver/quiver.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "memory.h"

namespace {

using qvb::now_seconds;

// Peak RSS since the last reset_peak_rss(), from /proc/self/status (0 if
// unreadable).
size_t peak_rss_since_reset() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  size_t kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %zu kB", &kib) == 1) break;
  std::fclose(f);
  return kib * 1024;
}

// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
bool reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

qv_index* new_flat(uint32_t dim) {
  qv_index_options opts = QV_INDEX_OPTIONS_INIT;
  opts.dim = dim;
  opts.metric = QV_METRIC_L2;
  opts.kind = QV_INDEX_FLAT;
  qv_index* index = nullptr;
  if (qv_index_create(&opts, &index) != QV_OK) {
    std::fprintf(stderr, "qv_index_create: %s\n", qv_last_error());
    std::exit(1);
  }
  return index;
}

void check(qv_status s, const char* what) {
  if (s == QV_OK) return;
  std::fprintf(stderr, "%s: %s\n", what, qv_last_error());
  std::exit(1);
}

struct Timing {
  double seconds = 0;
  size_t rows = 0;  // rows added before the budget ran out
};

// Adds rows [0, n) in batches of `batch` (0: qv_index_add), stopping once
// `budget` seconds have passed.
Timing add_rows(qv_index* index, const std::vector<float>& data, size_t n, uint32_t dim,
                size_t batch, double budget) {
  std::vector<uint64_t> keys(batch ? batch : 1);
  Timing t;
  const double start = now_seconds();
  for (size_t first = 0; first < n;) {
    const size_t count = batch ? std::min(batch, n - first) : 1;
    for (size_t i = 0; i < count; ++i) keys[i] = first + i;
    const float* rows = data.data() + first * dim;
    check(batch ? qv_index_add_batch(index, count, keys.data(), rows)
                : qv_index_add(index, keys[0], rows),
          "add");
    first += count;
    t.rows = first;
    if ((first & 255) == 0 && now_seconds() - start > budget) break;
  }
  t.seconds = now_seconds() - start;
  return t;
}

void report_timing(const char* what, const Timing& t, size_t n) {
  const double per_row_us = 1e6 * t.seconds / double(t.rows);
  if (t.rows == n)
    std::printf("| %s | %.3f s | %.2f us |\n", what, t.seconds, per_row_us);
  else
    std::printf("| %s | stopped after %zu rows in %.1f s | %.2f us (last rows slower) |\n", what,
                t.rows, t.seconds, per_row_us);
}

void run(size_t n, uint32_t dim, double budget) {
  std::vector<float> data(n * dim);
  uint64_t state = 0x9e3779b97f4a7c15ULL ^ n;
  for (float& x : data) {  // xorshift64*: uniform [0, 1)
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    x = float((state * 0x2545f4914f6cdd1dULL) >> 40) / float(1 << 24);
  }
  const double raw = double(n) * dim * sizeof(float);
  std::printf("\n### %zu x %u (raw vectors %.1f MiB)\n\n", n, dim, raw / (1 << 20));
  std::printf("| how | time | per row |\n|---|---:|---:|\n");

  // Memory first, on the qv_index_add build, so the peak is this index's.
  qvb::release_free_heap();
  const size_t before = qvb::current_rss_bytes();
  const bool have_peak = reset_peak_rss();
  qv_index* index = new_flat(dim);
  Timing add = add_rows(index, data, n, dim, 0, 1e30);
  const size_t peak = peak_rss_since_reset();
  qvb::release_free_heap();
  const size_t built = qvb::current_rss_bytes();
  for (size_t key = 0; key < n; key += 2) check(qv_index_remove(index, key), "remove");
  qvb::release_free_heap();
  const size_t halved = qvb::current_rss_bytes();
  check(qv_index_compact(index), "compact");
  qvb::release_free_heap();
  const size_t compacted = qvb::current_rss_bytes();
  qv_index_free(index);
  report_timing("qv_index_add", add, n);

  index = new_flat(dim);
  report_timing("add_batch(n=1)", add_rows(index, data, n, dim, 1, budget), n);
  qv_index_free(index);
  index = new_flat(dim);
  report_timing("add_batch(n=1000)", add_rows(index, data, n, dim, 1000, budget), n);
  qv_index_free(index);

  const double live = raw - double((n + 1) / 2) * dim * sizeof(float);
  auto ratio = [](size_t a, size_t b, double base) { return (double(a) - double(b)) / base; };
  std::printf("\n| memory (RSS growth) | MiB | x vector bytes |\n|---|---:|---:|\n");
  std::printf("| built by qv_index_add | %.1f | %.2f |\n", (double(built) - before) / (1 << 20),
              ratio(built, before, raw));
  if (have_peak && peak)
    std::printf("| peak while building | %.1f | %.2f |\n", (double(peak) - before) / (1 << 20),
                ratio(peak, before, raw));
  std::printf("| every other key removed | %.1f | %.2f (of live) |\n",
              (double(halved) - before) / (1 << 20), ratio(halved, before, live));
  std::printf("| then qv_index_compact | %.1f | %.2f (of live) |\n",
              (double(compacted) - before) / (1 << 20), ratio(compacted, before, live));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes;
  uint32_t dim = 128;
  double budget = 60;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--n") && has_value)
      sizes.push_back(std::strtoull(argv[++i], nullptr, 10));
    else if (!std::strcmp(argv[i], "--dim") && has_value)
      dim = uint32_t(std::strtoul(argv[++i], nullptr, 10));
    else if (!std::strcmp(argv[i], "--budget") && has_value)
      budget = std::strtod(argv[++i], nullptr);
    else {
      std::fprintf(stderr, "usage: %s [--n N]... [--dim D] [--budget SECONDS]\n", argv[0]);
      return 2;
    }
  }
  if (sizes.empty()) sizes = {20000, 200000};
  if (dim == 0) {
    std::fprintf(stderr, "--dim must be at least 1\n");
    return 2;
  }
  std::printf("## FLAT growth (%s)\n", qv_version());
  for (size_t n : sizes)
    if (n > 0) run(n, dim, budget);
  return 0;
}
