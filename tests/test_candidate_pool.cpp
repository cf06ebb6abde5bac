// CandidatePool (src/index/candidate_pool.h), the sorted candidate list of
// HNSW searches and builds: its branch-free binary search must place every
// distance where std::upper_bound would (ties after their equals, so older
// entries keep their places), and the pool must keep the ef best, sorted,
// with the unexpanded cursor right.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {  // cmocka 1.1.5 has no C++ linkage guards of its own
#include <cmocka.h>
}

#include <algorithm>
#include <random>
#include <vector>

#include "index/candidate_pool.h"

namespace {

using quiver::CandidatePool;

void test_count_within_matches_upper_bound(void**) {
  std::mt19937 rng(7);
  for (size_t size = 0; size <= 70; ++size) {
    CandidatePool pool;
    pool.reset(size);
    std::vector<float> kept;
    // Few distinct values, so that ties are common.
    std::uniform_int_distribution<int> value(0, 20);
    while (pool.size() < size) {
      const float d = float(value(rng));
      pool.insert(d, uint32_t(pool.size()));
      kept.insert(std::upper_bound(kept.begin(), kept.end(), d), d);
    }
    for (float probe = -1.0f; probe <= 21.5f; probe += 0.5f) {
      const size_t want = size_t(std::upper_bound(kept.begin(), kept.end(), probe) - kept.begin());
      if (pool.count_within(probe) != want)
        fail_msg("size %zu, distance %g: count_within %zu, upper_bound %zu", size, probe,
                 pool.count_within(probe), want);
    }
  }
}

void test_pool_keeps_the_best_sorted(void**) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(0.0f, 100.0f);
  CandidatePool pool;
  pool.reset(16);
  std::vector<float> all;
  for (uint32_t id = 0; id < 500; ++id) {
    const float d = id % 7 == 0 ? 50.0f : value(rng);  // ties at 50
    pool.insert(d, id);
    all.push_back(d);
    if (id % 5 == 0 && pool.has_unexpanded()) pool.expand_next();
  }
  std::sort(all.begin(), all.end());
  assert_int_equal(pool.size(), 16);
  for (size_t i = 0; i < 16; ++i) {
    assert_true(pool[i].distance == all[i]);
    if (i > 0) assert_true(pool[i - 1].distance <= pool[i].distance);
  }
  // The cursor stands at the first unexpanded entry.
  if (pool.has_unexpanded()) {
    const uint32_t next = pool.peek_next();
    size_t first_unexpanded = 0;
    while (pool[first_unexpanded].expanded) ++first_unexpanded;
    assert_int_equal(next, pool[first_unexpanded].id);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_count_within_matches_upper_bound),
      cmocka_unit_test(test_pool_keeps_the_best_sorted),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
