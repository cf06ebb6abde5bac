// Distance kernels: every SIMD target this CPU can run against the scalar
// reference, on random data over many dimensions (full vectors, partial tails,
// unaligned inputs), plus hand-computed values and the float16 conversions.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {  // cmocka 1.1.5 has no C++ linkage guards of its own
#include <cmocka.h>
}

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "index/metric_distance.h"
#include "index/vector_checks.h"
#include "kernels/block.h"
#include "kernels/codes.h"
#include "kernels/distance.h"

namespace qk = quiver::kernels;

namespace {

constexpr size_t kDims[] = {1,   2,   3,   4,   7,   8,   15,   16,   17,  31,
                            32,  33,  63,  64,  65,  100, 127,  128,  129, 255,
                            256, 300, 512, 768, 784, 785, 1024, 1536, 3072};
// 0: as allocated; 1: one element further, so never vector-aligned.
constexpr size_t kOffsets[] = {0, 1};

// Kernels of every SIMD target this machine runs; [0] is the dispatched one.
const std::vector<qk::SimdKernels>& Targets() {
  static const std::vector<qk::SimdKernels> targets = [] {
    std::vector<qk::SimdKernels> all(qk::simd_kernels_for_all_targets(nullptr, 0));
    qk::simd_kernels_for_all_targets(all.data(), all.size());
    return all;
  }();
  return targets;
}

// Relative tolerance for float sums of `dim` terms, applied to the sum of the
// terms' magnitudes (so cancellation in dot products does not make it vacuous).
double Tolerance(size_t dim, double magnitude) {
  return 1e-5 * std::sqrt(static_cast<double>(dim)) * magnitude + 1e-30;
}

void ExpectClose(double got, double want, double tol, const char* what, const char* target,
                 size_t dim, size_t offset) {
  if (!(std::fabs(got - want) <= tol)) {
    fail_msg("%s [%s] dim=%zu offset=%zu: got %.9g, want %.9g (|diff| %.3g > tol %.3g)", what,
             target, dim, offset, got, want, std::fabs(got - want), tol);
  }
}

void ExpectExact(float got, float want, const char* what, const char* target, size_t dim,
                 size_t offset) {
  if (got != want) {
    fail_msg("%s [%s] dim=%zu offset=%zu: got %.9g, want exactly %.9g", what, target, dim, offset,
             static_cast<double>(got), static_cast<double>(want));
  }
}

std::vector<float> RandomF32(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<uint16_t> RandomF16(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<uint16_t> v(n);
  for (uint16_t& x : v) x = qk::f32_to_f16(dist(rng));
  return v;
}

std::vector<int8_t> RandomI8(std::mt19937& rng, size_t n) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

// Each (dim, offset) case gets its own exactly-sized allocation, so a kernel
// reading past the end shows up under AddressSanitizer.
template <typename T, typename Gen>
void ForEachCase(Gen gen, void (*check)(const T* a, const T* b, size_t dim, size_t offset)) {
  std::mt19937 rng(20240611u);
  for (size_t dim : kDims) {
    for (size_t offset : kOffsets) {
      const std::vector<T> a = gen(rng, dim + offset);
      const std::vector<T> b = gen(rng, dim + offset);
      check(a.data() + offset, b.data() + offset, dim, offset);
    }
  }
}

// --- float32 ------------------------------------------------------------------

void CheckL2F32(const float* a, const float* b, size_t dim, size_t offset) {
  double truth = 0;
  for (size_t i = 0; i < dim; ++i) truth += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  const double tol = Tolerance(dim, truth);
  const float ref = qk::l2_squared_f32_scalar(a, b, dim);
  ExpectClose(ref, truth, tol, "l2 f32 scalar vs double", "scalar", dim, offset);
  for (const qk::SimdKernels& k : Targets()) {
    ExpectClose(k.l2_squared_f32(a, b, dim), ref, tol, "l2 f32", k.target, dim, offset);
  }
}

void CheckDotF32(const float* a, const float* b, size_t dim, size_t offset) {
  double truth = 0, magnitude = 0;
  for (size_t i = 0; i < dim; ++i) {
    truth += double{a[i]} * b[i];
    magnitude += std::fabs(double{a[i]} * b[i]);
  }
  const double tol = Tolerance(dim, magnitude);
  const float ref = qk::dot_f32_scalar(a, b, dim);
  ExpectClose(ref, truth, tol, "dot f32 scalar vs double", "scalar", dim, offset);
  for (const qk::SimdKernels& k : Targets()) {
    ExpectClose(k.dot_f32(a, b, dim), ref, tol, "dot f32", k.target, dim, offset);
  }
}

void CheckCosineF32(const float* a, const float* b, size_t dim, size_t offset) {
  double dot = 0, aa = 0, bb = 0, magnitude = 0;
  for (size_t i = 0; i < dim; ++i) {
    dot += double{a[i]} * b[i];
    aa += double{a[i]} * a[i];
    bb += double{b[i]} * b[i];
    magnitude += std::fabs(double{a[i]} * b[i]);
  }
  const double truth = 1.0 - dot / (std::sqrt(aa) * std::sqrt(bb));
  // The distance is dot / (|a||b|) subtracted from 1: its error is relative
  // to the cosine's own scale, at most sum|a_i b_i| / (|a||b|) <= 1.
  const double tol = Tolerance(dim, magnitude / (std::sqrt(aa) * std::sqrt(bb))) + 1e-6;
  const float ref = qk::cosine_distance_f32_scalar(a, b, dim);
  ExpectClose(ref, truth, tol, "cosine f32 scalar vs double", "scalar", dim, offset);
  for (const qk::SimdKernels& k : Targets()) {
    ExpectClose(k.cosine_distance_f32(a, b, dim), ref, tol, "cosine f32", k.target, dim, offset);
  }
}

void test_l2_f32_simd_matches_scalar_for_all_dims(void** /*state*/) {
  ForEachCase<float>(RandomF32, CheckL2F32);
}

void test_dot_f32_simd_matches_scalar_for_all_dims(void** /*state*/) {
  ForEachCase<float>(RandomF32, CheckDotF32);
}

void test_cosine_f32_simd_matches_scalar_for_all_dims(void** /*state*/) {
  ForEachCase<float>(RandomF32, CheckCosineF32);
}

// --- float16 ------------------------------------------------------------------

void CheckL2F16(const uint16_t* a, const uint16_t* b, size_t dim, size_t offset) {
  double truth = 0;
  for (size_t i = 0; i < dim; ++i) {
    const double d = double{qk::f16_to_f32(a[i])} - qk::f16_to_f32(b[i]);
    truth += d * d;
  }
  const double tol = Tolerance(dim, truth);
  const float ref = qk::l2_squared_f16_scalar(a, b, dim);
  ExpectClose(ref, truth, tol, "l2 f16 scalar vs double", "scalar", dim, offset);
  for (const qk::SimdKernels& k : Targets()) {
    ExpectClose(k.l2_squared_f16(a, b, dim), ref, tol, "l2 f16", k.target, dim, offset);
  }
}

void CheckDotF16(const uint16_t* a, const uint16_t* b, size_t dim, size_t offset) {
  double truth = 0, magnitude = 0;
  for (size_t i = 0; i < dim; ++i) {
    const double p = double{qk::f16_to_f32(a[i])} * qk::f16_to_f32(b[i]);
    truth += p;
    magnitude += std::fabs(p);
  }
  const double tol = Tolerance(dim, magnitude);
  const float ref = qk::dot_f16_scalar(a, b, dim);
  ExpectClose(ref, truth, tol, "dot f16 scalar vs double", "scalar", dim, offset);
  for (const qk::SimdKernels& k : Targets()) {
    ExpectClose(k.dot_f16(a, b, dim), ref, tol, "dot f16", k.target, dim, offset);
  }
}

void test_l2_f16_simd_matches_scalar_for_all_dims(void** /*state*/) {
  ForEachCase<uint16_t>(RandomF16, CheckL2F16);
}

void test_dot_f16_simd_matches_scalar_for_all_dims(void** /*state*/) {
  ForEachCase<uint16_t>(RandomF16, CheckDotF16);
}

// --- hand-computed values -------------------------------------------------------

void test_kernels_give_hand_computed_values(void** /*state*/) {
  const float origin[2] = {0, 0}, p34[2] = {3, 4};
  const float v123[3] = {1, 2, 3}, v456[3] = {4, 5, 6}, v246[3] = {2, 4, 6};
  const float neg123[3] = {-1, -2, -3}, zero3[3] = {0, 0, 0};
  const float ex[2] = {1, 0}, ey[2] = {0, 1};
  const uint16_t h_origin[2] = {qk::f32_to_f16(0), qk::f32_to_f16(0)};
  const uint16_t h_p34[2] = {qk::f32_to_f16(3), qk::f32_to_f16(4)};
  const uint16_t h123[3] = {qk::f32_to_f16(1), qk::f32_to_f16(2), qk::f32_to_f16(3)};
  const uint16_t h456[3] = {qk::f32_to_f16(4), qk::f32_to_f16(5), qk::f32_to_f16(6)};

  struct Set {
    const char* name;
    qk::DistanceF32 l2, dot, cosine;
    qk::DistanceF16 l2_h, dot_h;
  };
  std::vector<Set> sets = {{"scalar", qk::l2_squared_f32_scalar, qk::dot_f32_scalar,
                            qk::cosine_distance_f32_scalar, qk::l2_squared_f16_scalar,
                            qk::dot_f16_scalar}};
  for (const qk::SimdKernels& k : Targets()) {
    sets.push_back({k.target, k.l2_squared_f32, k.dot_f32, k.cosine_distance_f32, k.l2_squared_f16,
                    k.dot_f16});
  }
  for (const Set& s : sets) {
    ExpectExact(s.l2(origin, p34, 2), 25.0f, "l2 (0,0)-(3,4)", s.name, 2, 0);
    ExpectExact(s.l2(v123, v123, 3), 0.0f, "l2 to itself", s.name, 3, 0);
    ExpectExact(s.dot(v123, v456, 3), 32.0f, "dot (1,2,3).(4,5,6)", s.name, 3, 0);
    ExpectClose(s.cosine(v123, v246, 3), 0.0, 1e-6, "cosine parallel", s.name, 3, 0);
    ExpectClose(s.cosine(ex, ey, 2), 1.0, 1e-7, "cosine orthogonal", s.name, 2, 0);
    ExpectClose(s.cosine(v123, neg123, 3), 2.0, 1e-6, "cosine opposite", s.name, 3, 0);
    ExpectExact(s.cosine(v123, zero3, 3), 1.0f, "cosine with zero vector", s.name, 3, 0);
    ExpectExact(s.cosine(zero3, v123, 3), 1.0f, "cosine of zero vector", s.name, 3, 0);
    ExpectExact(s.cosine(zero3, zero3, 3), 1.0f, "cosine of two zero vectors", s.name, 3, 0);
    ExpectExact(s.l2_h(h_origin, h_p34, 2), 25.0f, "l2 f16 (0,0)-(3,4)", s.name, 2, 0);
    ExpectExact(s.dot_h(h123, h456, 3), 32.0f, "dot f16 (1,2,3).(4,5,6)", s.name, 3, 0);
  }
}

void test_empty_vectors_give_zero_distance(void** /*state*/) {
  const float f = 1.0f;
  const uint16_t h = 0x3C00;
  for (const qk::SimdKernels& k : Targets()) {
    ExpectExact(k.l2_squared_f32(&f, &f, 0), 0.0f, "l2 f32 dim 0", k.target, 0, 0);
    ExpectExact(k.dot_f32(&f, &f, 0), 0.0f, "dot f32 dim 0", k.target, 0, 0);
    ExpectExact(k.cosine_distance_f32(&f, &f, 0), 1.0f, "cosine dim 0", k.target, 0, 0);
    ExpectExact(k.l2_squared_f16(&h, &h, 0), 0.0f, "l2 f16 dim 0", k.target, 0, 0);
    ExpectExact(k.dot_f16(&h, &h, 0), 0.0f, "dot f16 dim 0", k.target, 0, 0);
  }
}

// --- *_many -----------------------------------------------------------------------

void CheckMany(qk::ManyF32 many, qk::DistanceF32 single, const char* what, const char* target) {
  std::mt19937 rng(7u);
  constexpr size_t kRows = 13;
  for (size_t dim : {size_t{1}, size_t{3}, size_t{17}, size_t{100}, size_t{128}, size_t{785}}) {
    for (size_t pad : {size_t{0}, size_t{1}, size_t{5}, size_t{16}}) {
      const size_t stride = dim + pad;
      // Padding between rows is NaN: reading it would poison the result.
      std::vector<float> base(kRows * stride, std::numeric_limits<float>::quiet_NaN());
      for (size_t r = 0; r < kRows; ++r) {
        const std::vector<float> row = RandomF32(rng, dim);
        std::memcpy(base.data() + r * stride, row.data(), dim * sizeof(float));
      }
      const std::vector<float> query_storage = RandomF32(rng, dim + 1);
      const float* query = query_storage.data() + 1;  // unaligned
      std::vector<float> out(kRows + 1, -1.0f);
      many(query, base.data(), kRows, dim, stride, out.data());
      for (size_t r = 0; r < kRows; ++r) {
        const float want = single(query, base.data() + r * stride, dim);
        ExpectClose(out[r], want, 1e-6 * std::fmax(1.0, std::fabs(want)), what, target, dim, pad);
      }
      ExpectExact(out[kRows], -1.0f, "many writes only n outputs", target, dim, pad);
      out[0] = -1.0f;
      many(query, base.data(), 0, dim, stride, out.data());  // n == 0 is a no-op
      ExpectExact(out[0], -1.0f, "many with n = 0 writes nothing", target, dim, pad);
    }
  }
}

void test_many_matches_per_row_calls_with_stride_at_least_dim(void** /*state*/) {
  CheckMany(qk::l2_squared_f32_many, qk::l2_squared_f32_fn(), "l2_squared_f32_many",
            qk::simd_target_name());
  CheckMany(qk::dot_f32_many, qk::dot_f32_fn(), "dot_f32_many", qk::simd_target_name());
  for (const qk::SimdKernels& k : Targets()) {
    CheckMany(k.l2_squared_f32_many, k.l2_squared_f32, "l2 many", k.target);
    CheckMany(k.dot_f32_many, k.dot_f32, "dot many", k.target);
    CheckMany(k.l2_squared_f32_many, qk::l2_squared_f32_scalar, "l2 many vs scalar", k.target);
  }
}

// --- four rows at once --------------------------------------------------------------

void CheckFour(qk::DistanceF32x4 four, qk::DistanceF32 scalar, const char* what,
               const char* target) {
  std::mt19937 rng(11u);
  for (size_t dim : kDims) {
    // Rows live in separate allocations, offset by one float (unaligned).
    std::vector<std::vector<float>> storage;
    const float* rows[4];
    for (int r = 0; r < 4; ++r) {
      storage.push_back(RandomF32(rng, dim + 1));
      rows[r] = storage.back().data() + 1;
    }
    const std::vector<float> query = RandomF32(rng, dim);
    float out[4] = {-1.0f, -1.0f, -1.0f, -1.0f};
    four(query.data(), rows, dim, out);
    for (int r = 0; r < 4; ++r) {
      const float want = scalar(query.data(), rows[r], dim);
      double magnitude = 0.0;
      for (size_t i = 0; i < dim; ++i)
        magnitude += std::fabs(double(query[i]) * rows[r][i]) +
                     double(query[i] - rows[r][i]) * (query[i] - rows[r][i]);
      ExpectClose(out[r], want, 1e-5 * std::sqrt(double(dim)) * std::fmax(1.0, magnitude), what,
                  target, dim, size_t(r));
    }
  }
}

void test_four_row_kernels_match_scalar_for_all_dims(void** /*state*/) {
  CheckFour(qk::l2_squared_f32_x4_fn(), qk::l2_squared_f32_scalar, "l2 x4", qk::simd_target_name());
  CheckFour(qk::dot_f32_x4_fn(), qk::dot_f32_scalar, "dot x4", qk::simd_target_name());
  for (const qk::SimdKernels& k : Targets()) {
    CheckFour(k.l2_squared_f32_x4, qk::l2_squared_f32_scalar, "l2 x4", k.target);
    CheckFour(k.dot_f32_x4, qk::dot_f32_scalar, "dot x4", k.target);
  }
}

// --- the length bound of L2 / IP indexes (index/vector_checks.h) ---------------------

void ExpectFiniteNear(float got, double want, const char* what, const char* target, size_t dim,
                      size_t variant) {
  if (!std::isfinite(got) || !(std::fabs(got - want) <= 1e-2 * std::fabs(want)))
    fail_msg("%s [%s] dim=%zu variant=%zu: got %.9g, want %.9g (finite)", what, target, dim,
             variant, static_cast<double>(got), want);
}

// Vectors as long as an index takes (kMaxVectorLength, 2^62) in the worst
// cases: equal ones (dot = |a| |b| = 2^124), opposite ones
// (L2 = (|a| + |b|)^2 = 2^126), and signs that alternate (partial sums that
// rise and cancel). Every target, every kernel an index uses, dims up to
// QV_MAX_DIM: every sum stays finite, as the comment on kMaxVectorLength
// argues.
void test_sums_at_the_length_bound_stay_finite(void** /*state*/) {
  const double bound = quiver::kMaxVectorLength;
  std::vector<size_t> dims(std::begin(kDims), std::end(kDims));
  dims.push_back(65536);  // QV_MAX_DIM
  const quiver::MetricDistance l2(quiver::Metric::L2), ip(quiver::Metric::InnerProduct);
  for (size_t dim : dims) {
    float x = static_cast<float>(bound / std::sqrt(static_cast<double>(dim)));
    while (quiver::vector_length(std::vector<float>(dim, x).data(), dim) > bound)
      x = std::nextafter(x, 0.0f);
    const double sq = static_cast<double>(x) * x * static_cast<double>(dim);  // |a|^2
    std::vector<float> a(dim, x), alt(dim);
    for (size_t i = 0; i < dim; ++i) alt[i] = i % 2 ? -x : x;
    // Accepted as a stored vector and as a query.
    quiver::check_vector(a.data(), dim, quiver::Metric::L2, quiver::VectorUse::Stored, "a");
    quiver::check_vector(alt.data(), dim, quiver::Metric::InnerProduct, quiver::VectorUse::Query,
                         "alt");
    for (size_t variant = 0; variant < 2; ++variant) {
      const std::vector<float>& p = variant ? alt : a;
      std::vector<float> neg(dim);
      for (size_t i = 0; i < dim; ++i) neg[i] = -p[i];
      const double alt_dot = dim % 2 ? static_cast<double>(x) * x : 0.0;  // a . alt
      const float* rows[4] = {neg.data(), p.data(), a.data(), alt.data()};
      for (const qk::SimdKernels& k : Targets()) {
        ExpectFiniteNear(k.l2_squared_f32(p.data(), neg.data(), dim), 4 * sq, "l2 opposite",
                         k.target, dim, variant);
        ExpectFiniteNear(k.dot_f32(p.data(), p.data(), dim), sq, "dot equal", k.target, dim,
                         variant);
        ExpectFiniteNear(k.dot_f32(p.data(), neg.data(), dim), -sq, "dot opposite", k.target, dim,
                         variant);
        float out[4];
        k.l2_squared_f32_many(p.data(), neg.data(), 1, dim, dim, out);
        ExpectFiniteNear(out[0], 4 * sq, "l2 many", k.target, dim, variant);
        k.dot_f32_many(p.data(), neg.data(), 1, dim, dim, out);
        ExpectFiniteNear(out[0], -sq, "dot many", k.target, dim, variant);
        k.l2_squared_f32_x4(p.data(), rows, dim, out);
        ExpectFiniteNear(out[0], 4 * sq, "l2 x4", k.target, dim, variant);
        assert_true(std::isfinite(out[2]) && std::isfinite(out[3]));
        k.dot_f32_x4(p.data(), rows, dim, out);
        ExpectFiniteNear(out[0], -sq, "dot x4", k.target, dim, variant);
        ExpectFiniteNear(out[1], sq, "dot x4", k.target, dim, variant);
        if (variant == 0 && dim > 1)
          assert_true(std::isfinite(out[3]) && std::fabs(out[3] - alt_dot) <= 1e-2 * sq);
      }
      // What an index compares: 1 - dot under IP.
      ExpectFiniteNear(ip(p.data(), neg.data(), dim), 1 + sq, "ip distance", "dispatched", dim,
                       variant);
      ExpectFiniteNear(l2(p.data(), neg.data(), dim), 4 * sq, "l2 distance", "dispatched", dim,
                       variant);
    }
    // One float step longer is refused, as an add and as a query.
    a[0] = std::nextafter(std::nextafter(x, INFINITY), INFINITY);
    if (quiver::vector_length(a.data(), dim) > bound) {
      bool refused = false;
      try {
        quiver::check_vector(a.data(), dim, quiver::Metric::L2, quiver::VectorUse::Query, "q");
      } catch (const std::exception&) {
        refused = true;
      }
      assert_true(refused);
    }
  }
}

// Longer vectors (from an image written before the bound) may overflow to
// +inf and -inf partial sums; the distance an index sees is then +inf, never
// NaN, so heaps and sorts stay ordered.
void test_metric_distance_is_never_nan(void** /*state*/) {
  const float a[4] = {3e38f, 3e38f, 3e38f, 3e38f};
  const float b[4] = {3e38f, -3e38f, 3e38f, -3e38f};  // products +inf, -inf, ...
  assert_true(std::isnan(qk::dot_f32_scalar(a, b, 4)));
  for (quiver::Metric m : {quiver::Metric::InnerProduct, quiver::Metric::Cosine}) {
    const quiver::MetricDistance d(m);
    const float* rows[4] = {b, b, b, b};
    float out[4];
    assert_true(std::isinf(d(a, b, 4)) && d(a, b, 4) > 0);
    d.four(a, rows, 4, out);
    for (float v : out) assert_true(std::isinf(v) && v > 0);
    d.many(a, b, 1, 4, 4, out);
    assert_true(std::isinf(out[0]) && out[0] > 0);
  }
}

// --- dispatch -----------------------------------------------------------------------

void test_getters_return_the_chosen_targets_kernels(void** /*state*/) {
  const char* name = qk::simd_target_name();
  assert_non_null(name);
  assert_true(std::strlen(name) > 0);
  std::printf("[ INFO     ] SIMD target chosen: %s; also tested:", name);
  for (size_t i = 1; i < Targets().size(); ++i) std::printf(" %s", Targets()[i].target);
  std::printf("\n");

  assert_true(!Targets().empty());
  const qk::SimdKernels& best = Targets()[0];
  assert_string_equal(best.target, name);
  assert_ptr_equal(qk::l2_squared_f32_fn(), best.l2_squared_f32);
  assert_ptr_equal(qk::dot_f32_fn(), best.dot_f32);
  assert_ptr_equal(qk::cosine_distance_f32_fn(), best.cosine_distance_f32);
  assert_ptr_equal(qk::l2_squared_f16_fn(), best.l2_squared_f16);
  assert_ptr_equal(qk::dot_f16_fn(), best.dot_f16);
  // Resolved once: the same pointer every time.
  assert_ptr_equal(qk::l2_squared_f32_fn(), qk::l2_squared_f32_fn());
  for (const qk::SimdKernels& k : Targets()) {
    assert_non_null(k.target);
    assert_non_null(k.l2_squared_f32);
    assert_non_null(k.dot_f32);
    assert_non_null(k.cosine_distance_f32);
    assert_non_null(k.l2_squared_f16);
    assert_non_null(k.dot_f16);
    assert_non_null(k.l2_squared_f32_many);
    assert_non_null(k.dot_f32_many);
  }
}

// --- float16 conversion ---------------------------------------------------------------

bool IsF16NaN(uint16_t h) { return (h & 0x7C00u) == 0x7C00u && (h & 0x03FFu) != 0; }

void test_f16_round_trip_is_exact_for_all_65536_values(void** /*state*/) {
  for (uint32_t bits = 0; bits <= 0xFFFFu; ++bits) {
    const uint16_t h = static_cast<uint16_t>(bits);
    const float f = qk::f16_to_f32(h);
    const uint16_t back = qk::f32_to_f16(f);
    if (IsF16NaN(h)) {
      if (!std::isnan(f) || !IsF16NaN(back) || (back & 0x8000u) != (h & 0x8000u)) {
        fail_msg("NaN 0x%04x -> %g -> 0x%04x", bits, static_cast<double>(f), back);
      }
    } else if (back != h) {
      fail_msg("0x%04x -> %.9g -> 0x%04x", bits, static_cast<double>(f), back);
    }
  }
}

void test_f16_to_f32_decodes_known_values(void** /*state*/) {
  assert_true(qk::f16_to_f32(0x0000) == 0.0f && !std::signbit(qk::f16_to_f32(0x0000)));
  assert_true(qk::f16_to_f32(0x8000) == 0.0f && std::signbit(qk::f16_to_f32(0x8000)));
  assert_true(qk::f16_to_f32(0x3C00) == 1.0f);
  assert_true(qk::f16_to_f32(0xC000) == -2.0f);
  assert_true(qk::f16_to_f32(0x3555) == 0x1.554p-2f);   // ~1/3
  assert_true(qk::f16_to_f32(0x7BFF) == 65504.0f);      // largest finite
  assert_true(qk::f16_to_f32(0x0400) == 0x1p-14f);      // smallest normal
  assert_true(qk::f16_to_f32(0x03FF) == 0x1.ff8p-15f);  // largest subnormal
  assert_true(qk::f16_to_f32(0x0001) == 0x1p-24f);      // smallest subnormal
  assert_true(qk::f16_to_f32(0x7C00) == std::numeric_limits<float>::infinity());
  assert_true(qk::f16_to_f32(0xFC00) == -std::numeric_limits<float>::infinity());
  assert_true(std::isnan(qk::f16_to_f32(0x7E00)));
  assert_true(std::isnan(qk::f16_to_f32(0x7C01)));  // signalling payload stays NaN
}

// For every pair of adjacent finite halves (lo, hi), the float exactly halfway
// between them must round to whichever has an even mantissa, and the floats
// just below and above it to lo and hi. Covers subnormals, the normal range
// and the carry into the next exponent, for both signs.
void test_f32_to_f16_rounds_to_nearest_even(void** /*state*/) {
  for (uint32_t lo = 0; lo < 0x7BFFu; ++lo) {
    const uint32_t hi = lo + 1;
    for (uint32_t sign : {0u, 0x8000u}) {
      const float flo = qk::f16_to_f32(static_cast<uint16_t>(lo | sign));
      const float fhi = qk::f16_to_f32(static_cast<uint16_t>(hi | sign));
      const float mid = (flo + fhi) / 2;  // exact: halves have 11 significant bits
      const uint16_t even = static_cast<uint16_t>(((lo & 1u) == 0 ? lo : hi) | sign);
      const uint16_t got_mid = qk::f32_to_f16(mid);
      const uint16_t got_below = qk::f32_to_f16(std::nextafter(mid, flo));
      const uint16_t got_above = qk::f32_to_f16(std::nextafter(mid, fhi));
      if (got_mid != even || got_below != (lo | sign) || got_above != (hi | sign)) {
        fail_msg(
            "between 0x%04x and 0x%04x: mid -> 0x%04x (want 0x%04x), below -> 0x%04x, "
            "above -> 0x%04x",
            lo | sign, hi | sign, got_mid, even, got_below, got_above);
      }
    }
  }
  // Overflow: 65520 is halfway between 65504 (odd mantissa) and 2^16, so it
  // and everything above round to Inf; just below stays at 65504.
  assert_int_equal(qk::f32_to_f16(65520.0f), 0x7C00);
  assert_int_equal(qk::f32_to_f16(-65520.0f), 0xFC00);
  assert_int_equal(qk::f32_to_f16(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
  assert_int_equal(qk::f32_to_f16(1e10f), 0x7C00);
  assert_int_equal(qk::f32_to_f16(std::numeric_limits<float>::max()), 0x7C00);
  assert_int_equal(qk::f32_to_f16(std::numeric_limits<float>::infinity()), 0x7C00);
  assert_int_equal(qk::f32_to_f16(-std::numeric_limits<float>::infinity()), 0xFC00);
  // Underflow: 2^-25 is halfway between 0 and 2^-24 and rounds to even (0).
  assert_int_equal(qk::f32_to_f16(0x1p-25f), 0x0000);
  assert_int_equal(qk::f32_to_f16(std::nextafter(0x1p-25f, 1.0f)), 0x0001);
  assert_int_equal(qk::f32_to_f16(0x1.8p-24f), 0x0002);  // 1.5 ulp: tie to even (2)
  assert_int_equal(qk::f32_to_f16(-0x1p-30f), 0x8000);
  assert_int_equal(qk::f32_to_f16(std::numeric_limits<float>::denorm_min()), 0x0000);
  assert_int_equal(qk::f32_to_f16(-0.0f), 0x8000);
  assert_int_equal(qk::f32_to_f16(1.0f), 0x3C00);
  assert_int_equal(qk::f32_to_f16(1.0f + 0x1p-11f), 0x3C00);    // tie, even stays
  assert_int_equal(qk::f32_to_f16(1.0f + 0x1.8p-10f), 0x3C02);  // tie, odd rounds up
  // NaN stays NaN, including payloads that only live in the low float bits.
  assert_true(IsF16NaN(qk::f32_to_f16(std::numeric_limits<float>::quiet_NaN())));
  assert_true(IsF16NaN(qk::f32_to_f16(std::bit_cast<float>(0x7F800001u))));
  assert_true(IsF16NaN(qk::f32_to_f16(std::bit_cast<float>(0xFF800001u))));
}

// === Code kernels (kernels/codes.h) ==================================================

// Code kernels of every SIMD target this machine runs; [0] is the dispatched one.
const std::vector<qk::CodeKernels>& CodeTargets() {
  static const std::vector<qk::CodeKernels> targets = [] {
    std::vector<qk::CodeKernels> all(qk::code_kernels_for_all_targets(nullptr, 0));
    qk::code_kernels_for_all_targets(all.data(), all.size());
    return all;
  }();
  return targets;
}

// Every length 1..67 (every tail of every vector width), common embedding
// sizes, and QV_MAX_DIM.
std::vector<size_t> CodeDims() {
  std::vector<size_t> dims;
  for (size_t d = 1; d <= 67; ++d) dims.push_back(d);
  for (size_t d : {100, 127, 128, 129, 255, 256, 384, 511, 512, 768, 1024, 1536, 3072, 65536})
    dims.push_back(d);
  return dims;
}

void ExpectExactI64(int64_t got, int64_t want, const char* what, const char* target, size_t dim,
                    size_t offset) {
  if (got != want) {
    fail_msg("%s [%s] dim=%zu offset=%zu: got %lld, want exactly %lld", what, target, dim, offset,
             static_cast<long long>(got), static_cast<long long>(want));
  }
}

// --- f16 rows against a float32 query ----------------------------------------------

// Checks the scalar reference against double sums, and every target's single
// and four-row kernels against the scalar reference.
void CheckF32F16Rows(const float* q, const uint16_t* const* rows, size_t dim, size_t offset) {
  double l2_truth[4], dot_truth[4], l2_tol[4], dot_tol[4];
  float l2_ref[4], dot_ref[4];
  for (int r = 0; r < 4; ++r) {
    double l2 = 0, dot = 0, magnitude = 0;
    for (size_t i = 0; i < dim; ++i) {
      const double x = qk::f16_to_f32(rows[r][i]);
      l2 += (q[i] - x) * (q[i] - x);
      dot += q[i] * x;
      magnitude += std::fabs(q[i] * x);
    }
    l2_truth[r] = l2;
    dot_truth[r] = dot;
    l2_tol[r] = Tolerance(dim, l2);
    dot_tol[r] = Tolerance(dim, magnitude);
    l2_ref[r] = qk::l2_squared_f32_f16_scalar(q, rows[r], dim);
    dot_ref[r] = qk::dot_f32_f16_scalar(q, rows[r], dim);
    ExpectClose(l2_ref[r], l2_truth[r], l2_tol[r], "l2 f32.f16 scalar vs double", "scalar", dim,
                offset);
    ExpectClose(dot_ref[r], dot_truth[r], dot_tol[r], "dot f32.f16 scalar vs double", "scalar", dim,
                offset);
  }
  for (const qk::CodeKernels& k : CodeTargets()) {
    float l2x4[4] = {-1, -1, -1, -1}, dotx4[4] = {-1, -1, -1, -1};
    k.l2_squared_f32_f16_x4(q, rows, dim, l2x4);
    k.dot_f32_f16_x4(q, rows, dim, dotx4);
    for (int r = 0; r < 4; ++r) {
      ExpectClose(k.l2_squared_f32_f16(q, rows[r], dim), l2_ref[r], l2_tol[r], "l2 f32.f16",
                  k.target, dim, offset);
      ExpectClose(k.dot_f32_f16(q, rows[r], dim), dot_ref[r], dot_tol[r], "dot f32.f16", k.target,
                  dim, offset);
      ExpectClose(l2x4[r], l2_ref[r], l2_tol[r], "l2 f32.f16 x4", k.target, dim, offset);
      ExpectClose(dotx4[r], dot_ref[r], dot_tol[r], "dot f32.f16 x4", k.target, dim, offset);
    }
  }
}

// Each row and the query in its own exactly-sized allocation (ASan sees a
// read past the end); offset 1 makes every pointer unaligned.
void test_f32_f16_kernels_match_scalar_for_all_dims(void** /*state*/) {
  std::mt19937 rng(1201u);
  for (size_t dim : CodeDims()) {
    for (size_t offset : kOffsets) {
      const std::vector<float> q = RandomF32(rng, dim + offset);
      std::vector<std::vector<uint16_t>> storage;
      const uint16_t* rows[4];
      for (int r = 0; r < 4; ++r) {
        storage.push_back(RandomF16(rng, dim + offset));
        rows[r] = storage.back().data() + offset;
      }
      CheckF32F16Rows(q.data() + offset, rows, dim, offset);
    }
  }
}

// Rows at the ends of half range: +-65504, subnormals (down to 2^-24) and
// signed zeros, against queries far larger and far smaller.
void test_f32_f16_kernels_at_half_extremes(void** /*state*/) {
  const uint16_t specials[] = {0x7BFF, 0xFBFF, 0x0001, 0x8001, 0x03FF, 0x0400, 0x0000, 0x8000};
  std::mt19937 rng(1202u);
  for (size_t dim :
       {size_t{1}, size_t{5}, size_t{17}, size_t{64}, size_t{67}, size_t{768}, size_t{65536}}) {
    std::vector<std::vector<uint16_t>> storage(4, std::vector<uint16_t>(dim));
    for (size_t r = 0; r < 4; ++r)
      for (size_t i = 0; i < dim; ++i) storage[r][i] = specials[(i + 3 * r) % std::size(specials)];
    const uint16_t* rows[4] = {storage[0].data(), storage[1].data(), storage[2].data(),
                               storage[3].data()};
    for (float scale : {1e-6f, 1.0f, 3e4f}) {
      std::vector<float> q = RandomF32(rng, dim);
      for (float& x : q) x *= scale;
      CheckF32F16Rows(q.data(), rows, dim, 0);
    }
  }
}

// --- f16 vector conversion -----------------------------------------------------------

bool SameF16(uint16_t got, uint16_t want) {
  if (IsF16NaN(want)) return IsF16NaN(got) && (got & 0x8000u) == (want & 0x8000u);
  return got == want;
}

bool SameF32(float got, float want) {
  if (std::isnan(want)) return std::isnan(got) && std::signbit(got) == std::signbit(want);
  return std::bit_cast<uint32_t>(got) == std::bit_cast<uint32_t>(want);
}

void test_f32_to_f16_saturate_clamps_to_the_largest_half(void** /*state*/) {
  const float inf = std::numeric_limits<float>::infinity();
  assert_int_equal(qk::f32_to_f16_saturate(65504.0f), 0x7BFF);
  assert_int_equal(qk::f32_to_f16_saturate(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
  assert_int_equal(qk::f32_to_f16_saturate(65520.0f), 0x7BFF);  // IEEE: Inf
  assert_int_equal(qk::f32_to_f16_saturate(-65520.0f), 0xFBFF);
  assert_int_equal(qk::f32_to_f16_saturate(1e10f), 0x7BFF);
  assert_int_equal(qk::f32_to_f16_saturate(std::numeric_limits<float>::max()), 0x7BFF);
  assert_int_equal(qk::f32_to_f16_saturate(inf), 0x7BFF);
  assert_int_equal(qk::f32_to_f16_saturate(-inf), 0xFBFF);
  assert_true(IsF16NaN(qk::f32_to_f16_saturate(std::numeric_limits<float>::quiet_NaN())));
  // Everything in range converts as f32_to_f16 does.
  assert_int_equal(qk::f32_to_f16_saturate(1.0f), 0x3C00);
  assert_int_equal(qk::f32_to_f16_saturate(0x1p-24f), 0x0001);
  assert_int_equal(qk::f32_to_f16_saturate(0x1p-25f), 0x0000);
  assert_int_equal(qk::f32_to_f16_saturate(-0.0f), 0x8000);
}

// Floats that exercise every rounding case: each finite half's value, the
// midpoint to the next half and the floats either side of it, and the
// specials (overflow, Inf, NaN, float subnormals).
std::vector<float> ConversionInputs() {
  std::vector<float> in;
  for (uint32_t h = 0; h < 0x7C00u; ++h) {
    for (uint32_t sign : {0u, 0x8000u}) {
      const float lo = qk::f16_to_f32(static_cast<uint16_t>(h | sign));
      const float hi = qk::f16_to_f32(static_cast<uint16_t>((h + 1) | sign));
      const float mid = (lo + hi) / 2;
      in.insert(in.end(), {lo, mid, std::nextafter(mid, lo), std::nextafter(mid, hi)});
    }
  }
  const float inf = std::numeric_limits<float>::infinity();
  in.insert(in.end(),
            {65504.0f, 65520.0f, 65536.0f, 1e10f, std::numeric_limits<float>::max(), inf, -inf,
             std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
             std::bit_cast<float>(0x7F800001u), std::numeric_limits<float>::denorm_min(),
             -std::numeric_limits<float>::denorm_min(), 0x1p-25f, 0.0f, -0.0f});
  return in;
}

void test_f16_vector_conversions_match_scalar_for_all_targets(void** /*state*/) {
  const std::vector<float> in = ConversionInputs();
  std::vector<uint16_t> all_halves(0x10000);
  for (uint32_t h = 0; h <= 0xFFFFu; ++h) all_halves[h] = static_cast<uint16_t>(h);
  std::vector<uint16_t> h_out(in.size() + 1);
  std::vector<float> f_out(all_halves.size() + 1);
  for (const qk::CodeKernels& k : CodeTargets()) {
    // Whole arrays, output unaligned.
    k.f32_to_f16_vector(in.data(), in.size(), h_out.data() + 1);
    for (size_t i = 0; i < in.size(); ++i) {
      const uint16_t want = qk::f32_to_f16_saturate(in[i]);
      if (!SameF16(h_out[i + 1], want))
        fail_msg("f32_to_f16_vector [%s]: %.9g -> 0x%04x, want 0x%04x", k.target,
                 static_cast<double>(in[i]), h_out[i + 1], want);
    }
    k.f16_to_f32_vector(all_halves.data(), all_halves.size(), f_out.data() + 1);
    for (uint32_t h = 0; h <= 0xFFFFu; ++h) {
      const float want = qk::f16_to_f32(static_cast<uint16_t>(h));
      if (!SameF32(f_out[h + 1], want))
        fail_msg("f16_to_f32_vector [%s]: 0x%04x -> %.9g, want %.9g", k.target, h,
                 static_cast<double>(f_out[h + 1]), static_cast<double>(want));
    }
    // Every short length (tails), into exactly-sized outputs: nothing past n written.
    for (size_t n = 0; n <= 67; ++n) {
      const size_t start = 0x3C00 - 33;  // around 1.0, both directions
      std::vector<uint16_t> h(n + 1, 0xDEAD);
      std::vector<float> f(n + 1, -7.0f);
      k.f32_to_f16_vector(in.data() + 4 * start, n, h.data());
      k.f16_to_f32_vector(all_halves.data() + start, n, f.data());
      for (size_t i = 0; i < n; ++i) {
        assert_int_equal(h[i], qk::f32_to_f16_saturate(in[4 * start + i]));
        assert_true(SameF32(f[i], qk::f16_to_f32(all_halves[start + i])));
      }
      assert_int_equal(h[n], 0xDEAD);
      assert_true(f[n] == -7.0f);
    }
  }
  // The dispatched entry points.
  std::vector<uint16_t> h(in.size());
  qk::f32_to_f16_vector(in.data(), in.size(), h.data());
  for (size_t i = 0; i < in.size(); ++i) assert_true(SameF16(h[i], qk::f32_to_f16_saturate(in[i])));
  qk::f16_to_f32_vector(all_halves.data(), all_halves.size(), f_out.data());
  for (uint32_t i = 0; i <= 0xFFFFu; ++i)
    assert_true(SameF32(f_out[i], qk::f16_to_f32(static_cast<uint16_t>(i))));
}

// --- int8 codes (exact) ------------------------------------------------------------------

void CheckI8Rows(const int8_t* q, const int8_t* const* rows, size_t dim, size_t offset) {
  int64_t l2_ref[4], dot_ref[4];
  for (int r = 0; r < 4; ++r) {
    l2_ref[r] = qk::l2_squared_i8_scalar(q, rows[r], dim);
    dot_ref[r] = qk::dot_i8_scalar(q, rows[r], dim);
  }
  for (const qk::CodeKernels& k : CodeTargets()) {
    int64_t l2x4[4] = {-1, -1, -1, -1}, dotx4[4] = {-1, -1, -1, -1};
    k.l2_squared_i8_x4(q, rows, dim, l2x4);
    k.dot_i8_x4(q, rows, dim, dotx4);
    for (int r = 0; r < 4; ++r) {
      ExpectExactI64(k.l2_squared_i8(q, rows[r], dim), l2_ref[r], "l2 i8", k.target, dim, offset);
      ExpectExactI64(k.dot_i8(q, rows[r], dim), dot_ref[r], "dot i8", k.target, dim, offset);
      ExpectExactI64(l2x4[r], l2_ref[r], "l2 i8 x4", k.target, dim, offset);
      ExpectExactI64(dotx4[r], dot_ref[r], "dot i8 x4", k.target, dim, offset);
    }
  }
}

void test_i8_kernels_match_scalar_exactly_for_all_dims(void** /*state*/) {
  std::mt19937 rng(1203u);
  for (size_t dim : CodeDims()) {
    for (size_t offset : kOffsets) {
      const std::vector<int8_t> q = RandomI8(rng, dim + offset);
      std::vector<std::vector<int8_t>> storage;
      const int8_t* rows[4];
      for (int r = 0; r < 4; ++r) {
        storage.push_back(RandomI8(rng, dim + offset));
        rows[r] = storage.back().data() + offset;
      }
      CheckI8Rows(q.data() + offset, rows, dim, offset);
    }
  }
}

// The largest terms (-128 * -128, and (127 - -128)^2 = 65025) at every
// dimension, up to sums far beyond int32 (100003 * 65025 > 2^32): the int32
// chunk sums never overflow and the total is exact.
void test_i8_kernels_are_exact_at_extreme_values(void** /*state*/) {
  std::vector<size_t> dims = CodeDims();
  dims.insert(dims.end(), {32767, 32768, 32769, 33026, 100003});
  for (size_t dim : dims) {
    const std::vector<int8_t> lo(dim, int8_t{-128}), hi(dim, int8_t{127});
    const int64_t n = static_cast<int64_t>(dim);
    const int64_t l2 = 65025 * n, dot_lo = 16384 * n, dot_mixed = -16256 * n;
    ExpectExactI64(qk::l2_squared_i8_scalar(lo.data(), hi.data(), dim), l2, "l2 i8 extreme",
                   "scalar", dim, 0);
    ExpectExactI64(qk::dot_i8_scalar(lo.data(), lo.data(), dim), dot_lo, "dot i8 -128*-128",
                   "scalar", dim, 0);
    const int8_t* rows[4] = {hi.data(), lo.data(), hi.data(), lo.data()};
    for (const qk::CodeKernels& k : CodeTargets()) {
      ExpectExactI64(k.l2_squared_i8(lo.data(), hi.data(), dim), l2, "l2 i8 extreme", k.target, dim,
                     0);
      ExpectExactI64(k.l2_squared_i8(hi.data(), lo.data(), dim), l2, "l2 i8 extreme", k.target, dim,
                     0);
      ExpectExactI64(k.dot_i8(lo.data(), lo.data(), dim), dot_lo, "dot i8 -128*-128", k.target, dim,
                     0);
      ExpectExactI64(k.dot_i8(lo.data(), hi.data(), dim), dot_mixed, "dot i8 -128*127", k.target,
                     dim, 0);
      int64_t out[4];
      k.l2_squared_i8_x4(lo.data(), rows, dim, out);
      ExpectExactI64(out[0], l2, "l2 i8 x4 extreme", k.target, dim, 0);
      ExpectExactI64(out[1], 0, "l2 i8 x4 to itself", k.target, dim, 1);
      k.dot_i8_x4(lo.data(), rows, dim, out);
      ExpectExactI64(out[0], dot_mixed, "dot i8 x4 -128*127", k.target, dim, 0);
      ExpectExactI64(out[1], dot_lo, "dot i8 x4 -128*-128", k.target, dim, 1);
    }
  }
}

void ExpectCodes(const std::vector<int8_t>& got, const std::vector<int8_t>& want, const char* what,
                 const char* target, size_t dim) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] != want[i])
      fail_msg("%s [%s] dim=%zu: code %zu is %d, want %d", what, target, dim, i, got[i], want[i]);
  }
}

void test_quantize_i8_matches_scalar_for_all_dims(void** /*state*/) {
  std::mt19937 rng(1204u);
  for (size_t dim : CodeDims()) {
    for (size_t offset : kOffsets) {
      std::vector<float> x = RandomF32(rng, dim + offset);
      for (float& v : x) v *= 1.5f;  // some beyond +-1: clamped with inv_scale 127
      const std::vector<float> mean = RandomF32(rng, dim + offset);
      for (const float* off : {static_cast<const float*>(nullptr), mean.data() + offset}) {
        std::vector<int8_t> want(dim + 1, 99);
        qk::quantize_i8_scalar(x.data() + offset, dim, off, 127.0f, want.data());
        for (const qk::CodeKernels& k : CodeTargets()) {
          std::vector<int8_t> got(dim + 1, 99);
          k.quantize_i8(x.data() + offset, dim, off, 127.0f, got.data());
          ExpectCodes(got, want, "quantize_i8", k.target, dim);  // want[dim] == 99 too
        }
        // Decoding gives back x within half a step wherever x was in range.
        std::vector<float> back(dim);
        qk::dequantize_i8(want.data(), dim, off, 1.0f / 127.0f, back.data());
        for (size_t i = 0; i < dim; ++i) {
          const float centred = x[offset + i] - (off ? off[i] : 0.0f);
          if (std::fabs(centred) <= 1.0f)
            assert_true(std::fabs(back[i] - x[offset + i]) <= 0.5f / 127.0f + 1e-6f);
        }
      }
    }
  }
}

// Ties round to even, everything beyond +-127 (and +-Inf) clamps, -128 is
// never produced (codes are symmetric), NaN gives 0.
void test_quantize_i8_rounds_ties_to_even_and_clamps(void** /*state*/) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {
      0.5f,   1.5f,   2.5f, -0.5f,   -1.5f, -2.5f, 126.5f,
      127.5f, 200.0f, -128, -200,    inf,   -inf,  std::numeric_limits<float>::quiet_NaN(),
      0.49f,  -0.51f, 3.0f, -127.0f, 1e30f};
  const std::vector<int8_t> want = {0,    2,   2,    0, -2, -2, 126, 127,  127, -127,
                                    -127, 127, -127, 0, 0,  -1, 3,   -127, 127};
  std::vector<int8_t> got(x.size());
  qk::quantize_i8_scalar(x.data(), x.size(), nullptr, 1.0f, got.data());
  ExpectCodes(got, want, "quantize_i8 specials", "scalar", x.size());
  for (const qk::CodeKernels& k : CodeTargets()) {
    std::fill(got.begin(), got.end(), int8_t{99});
    k.quantize_i8(x.data(), x.size(), nullptr, 1.0f, got.data());
    ExpectCodes(got, want, "quantize_i8 specials", k.target, x.size());
  }
  // The offset is subtracted before scaling: (10.5 - 10) * 4 = 2.
  const float ten[2] = {10.0f, -10.0f}, xs[2] = {10.5f, -10.5f};
  int8_t codes[2];
  qk::quantize_i8(xs, 2, ten, 4.0f, codes);
  assert_int_equal(codes[0], 2);
  assert_int_equal(codes[1], -2);
}

// --- 1-bit codes -------------------------------------------------------------------------

std::vector<uint64_t> RandomWords(std::mt19937& rng, size_t n) {
  std::vector<uint64_t> v(n);
  for (uint64_t& w : v) w = (uint64_t{rng()} << 32) | rng();
  return v;
}

// Bit dims: CodeDims plus both sides of many word boundaries.
std::vector<size_t> B1Dims() {
  std::vector<size_t> dims = CodeDims();
  for (size_t w = 2; w <= 40; ++w) dims.insert(dims.end(), {64 * w - 1, 64 * w, 64 * w + 1});
  return dims;
}

// Random bits everywhere, the unused high bits of the last word included: the
// kernels must ignore those.
void test_hamming_b1_matches_scalar_for_all_dims(void** /*state*/) {
  std::mt19937 rng(1205u);
  for (size_t dim : B1Dims()) {
    const size_t words = qk::b1_words(dim);
    for (size_t offset : kOffsets) {
      const std::vector<uint64_t> q = RandomWords(rng, words + offset);
      std::vector<std::vector<uint64_t>> storage;
      const uint64_t* rows[4];
      uint64_t ref[4];
      for (int r = 0; r < 4; ++r) {
        storage.push_back(RandomWords(rng, words + offset));
        rows[r] = storage.back().data() + offset;
        uint64_t truth = 0;
        for (size_t i = 0; i < dim; ++i)
          truth += ((q[offset + i / 64] ^ rows[r][i / 64]) >> (i % 64)) & 1u;
        ref[r] = qk::hamming_b1_scalar(q.data() + offset, rows[r], dim);
        ExpectExactI64(static_cast<int64_t>(ref[r]), static_cast<int64_t>(truth),
                       "hamming scalar vs bit count", "scalar", dim, offset);
      }
      for (const qk::CodeKernels& k : CodeTargets()) {
        uint64_t x4[4] = {~0u, ~0u, ~0u, ~0u};
        k.hamming_b1_x4(q.data() + offset, rows, dim, x4);
        for (int r = 0; r < 4; ++r) {
          ExpectExactI64(static_cast<int64_t>(k.hamming_b1(q.data() + offset, rows[r], dim)),
                         static_cast<int64_t>(ref[r]), "hamming", k.target, dim, offset);
          ExpectExactI64(static_cast<int64_t>(x4[r]), static_cast<int64_t>(ref[r]), "hamming x4",
                         k.target, dim, offset);
        }
      }
    }
  }
}

// All bits differ: the count is dim exactly, at every dim.
void test_hamming_b1_counts_every_bit_once(void** /*state*/) {
  for (size_t dim : B1Dims()) {
    const std::vector<uint64_t> zeros(qk::b1_words(dim), 0), ones(qk::b1_words(dim), ~uint64_t{0});
    const uint64_t* rows[4] = {ones.data(), zeros.data(), ones.data(), zeros.data()};
    for (const qk::CodeKernels& k : CodeTargets()) {
      ExpectExactI64(static_cast<int64_t>(k.hamming_b1(zeros.data(), ones.data(), dim)),
                     static_cast<int64_t>(dim), "hamming all differ", k.target, dim, 0);
      uint64_t out[4];
      k.hamming_b1_x4(zeros.data(), rows, dim, out);
      ExpectExactI64(static_cast<int64_t>(out[0]), static_cast<int64_t>(dim), "hamming x4",
                     k.target, dim, 0);
      ExpectExactI64(static_cast<int64_t>(out[1]), 0, "hamming x4 equal", k.target, dim, 1);
    }
  }
}

void test_pack_b1_matches_scalar_for_all_dims(void** /*state*/) {
  const float specials[] = {0.0f,
                            -0.0f,
                            std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()};
  std::mt19937 rng(1206u);
  for (size_t dim : B1Dims()) {
    const size_t words = qk::b1_words(dim);
    for (size_t offset : kOffsets) {
      std::vector<float> x = RandomF32(rng, dim + offset);
      for (size_t i = 0; i < x.size(); i += 5) x[i] = specials[(i / 5) % std::size(specials)];
      const float* in = x.data() + offset;
      std::vector<uint64_t> want(words + 1, 0xABABABABABABABABu);
      qk::pack_b1_scalar(in, dim, want.data());
      for (size_t i = 0; i < 64 * words; ++i) {
        const bool bit = (want[i / 64] >> (i % 64)) & 1u;
        assert_true(bit == (i < dim && in[i] > 0.0f));  // unused bits 0
      }
      assert_true(want[words] == 0xABABABABABABABABu);  // nothing past the words
      for (const qk::CodeKernels& k : CodeTargets()) {
        std::vector<uint64_t> got(words + 1, 0xCDCDCDCDCDCDCDCDu);
        k.pack_b1(in, dim, got.data());
        for (size_t w = 0; w < words; ++w) {
          if (got[w] != want[w])
            fail_msg("pack_b1 [%s] dim=%zu offset=%zu word %zu: 0x%016llx, want 0x%016llx",
                     k.target, dim, offset, w, static_cast<unsigned long long>(got[w]),
                     static_cast<unsigned long long>(want[w]));
        }
        assert_true(got[words] == 0xCDCDCDCDCDCDCDCDu);
      }
    }
  }
}

// --- hand-computed values, dim 0, dispatch -------------------------------------------------

void test_code_kernels_give_hand_computed_values(void** /*state*/) {
  const float q00[2] = {0, 0}, q123[3] = {1, 2, 3};
  const uint16_t h34[2] = {qk::f32_to_f16(3), qk::f32_to_f16(4)};
  const uint16_t h456[3] = {qk::f32_to_f16(4), qk::f32_to_f16(5), qk::f32_to_f16(6)};
  const int8_t i00[2] = {0, 0}, i34[2] = {3, 4}, i123[3] = {1, 2, 3}, i456[3] = {4, 5, 6};
  const uint64_t b1011[1] = {0b1011}, b0110[1] = {0b0110}, all[1] = {~uint64_t{0}}, none[1] = {0};
  assert_int_equal(qk::l2_squared_i8_scalar(i00, i34, 2), 25);
  assert_int_equal(qk::dot_i8_scalar(i123, i456, 3), 32);
  assert_int_equal(qk::hamming_b1_scalar(b1011, b0110, 4), 3);
  for (const qk::CodeKernels& k : CodeTargets()) {
    const uint16_t* h_rows[4] = {h34, h34, h34, h34};
    ExpectExact(k.l2_squared_f32_f16(q00, h34, 2), 25.0f, "l2 f32.f16 (0,0)-(3,4)", k.target, 2, 0);
    ExpectExact(k.dot_f32_f16(q123, h456, 3), 32.0f, "dot f32.f16 (1,2,3).(4,5,6)", k.target, 3, 0);
    float f4[4];
    k.l2_squared_f32_f16_x4(q00, h_rows, 2, f4);
    for (float v : f4) ExpectExact(v, 25.0f, "l2 f32.f16 x4", k.target, 2, 0);
    ExpectExactI64(k.l2_squared_i8(i00, i34, 2), 25, "l2 i8 (0,0)-(3,4)", k.target, 2, 0);
    ExpectExactI64(k.dot_i8(i123, i456, 3), 32, "dot i8 (1,2,3).(4,5,6)", k.target, 3, 0);
    ExpectExactI64(static_cast<int64_t>(k.hamming_b1(b1011, b0110, 4)), 3, "hamming 1011^0110",
                   k.target, 4, 0);
    // Only the low `dim` bits count.
    ExpectExactI64(static_cast<int64_t>(k.hamming_b1(all, none, 3)), 3, "hamming dim 3", k.target,
                   3, 0);
    const float x[5] = {1.0f, -1.0f, 0.0f, 2.0f, -0.0f};
    uint64_t packed = 0xFF;
    k.pack_b1(x, 5, &packed);
    assert_true(packed == 0b01001u);
  }
}

void test_code_kernels_at_dim_0(void** /*state*/) {
  const float f = 1.0f;
  const uint16_t h = 0x3C00;
  const int8_t i = 1;
  const uint64_t w = 1;
  const uint16_t* h_rows[4] = {&h, &h, &h, &h};
  const int8_t* i_rows[4] = {&i, &i, &i, &i};
  const uint64_t* w_rows[4] = {&w, &w, &w, &w};
  for (const qk::CodeKernels& k : CodeTargets()) {
    ExpectExact(k.l2_squared_f32_f16(&f, &h, 0), 0.0f, "l2 f32.f16 dim 0", k.target, 0, 0);
    ExpectExact(k.dot_f32_f16(&f, &h, 0), 0.0f, "dot f32.f16 dim 0", k.target, 0, 0);
    ExpectExactI64(k.l2_squared_i8(&i, &i, 0), 0, "l2 i8 dim 0", k.target, 0, 0);
    ExpectExactI64(k.dot_i8(&i, &i, 0), 0, "dot i8 dim 0", k.target, 0, 0);
    ExpectExactI64(static_cast<int64_t>(k.hamming_b1(&w, &w, 0)), 0, "hamming dim 0", k.target, 0,
                   0);
    float f4[4] = {-1, -1, -1, -1};
    k.dot_f32_f16_x4(&f, h_rows, 0, f4);
    for (float v : f4) ExpectExact(v, 0.0f, "dot f32.f16 x4 dim 0", k.target, 0, 0);
    int64_t i4[4] = {-1, -1, -1, -1};
    k.dot_i8_x4(&i, i_rows, 0, i4);
    for (int64_t v : i4) ExpectExactI64(v, 0, "dot i8 x4 dim 0", k.target, 0, 0);
    uint64_t w4[4] = {9, 9, 9, 9};
    k.hamming_b1_x4(&w, w_rows, 0, w4);
    for (uint64_t v : w4)
      ExpectExactI64(static_cast<int64_t>(v), 0, "hamming x4 dim 0", k.target, 0, 0);
    uint64_t untouched = 77;
    k.pack_b1(&f, 0, &untouched);
    assert_true(untouched == 77);
  }
}

void test_code_getters_return_the_chosen_targets_kernels(void** /*state*/) {
  const std::vector<qk::CodeKernels>& targets = CodeTargets();
  assert_true(!targets.empty());
  std::printf("[ INFO     ] code kernels on %s; also tested:", qk::code_kernels_target_name());
  for (size_t i = 1; i < targets.size(); ++i) std::printf(" %s", targets[i].target);
  std::printf("\n");
  const qk::CodeKernels& best = targets[0];
  assert_string_equal(best.target, qk::code_kernels_target_name());
  assert_ptr_equal(qk::l2_squared_f32_f16_fn(), best.l2_squared_f32_f16);
  assert_ptr_equal(qk::dot_f32_f16_fn(), best.dot_f32_f16);
  assert_ptr_equal(qk::l2_squared_f32_f16_x4_fn(), best.l2_squared_f32_f16_x4);
  assert_ptr_equal(qk::dot_f32_f16_x4_fn(), best.dot_f32_f16_x4);
  assert_ptr_equal(qk::l2_squared_i8_fn(), best.l2_squared_i8);
  assert_ptr_equal(qk::dot_i8_fn(), best.dot_i8);
  assert_ptr_equal(qk::l2_squared_i8_x4_fn(), best.l2_squared_i8_x4);
  assert_ptr_equal(qk::dot_i8_x4_fn(), best.dot_i8_x4);
  assert_ptr_equal(qk::hamming_b1_fn(), best.hamming_b1);
  assert_ptr_equal(qk::hamming_b1_x4_fn(), best.hamming_b1_x4);
  for (const qk::CodeKernels& k : targets) {
    assert_non_null(k.target);
    assert_non_null(k.l2_squared_f32_f16);
    assert_non_null(k.dot_f32_f16);
    assert_non_null(k.l2_squared_f32_f16_x4);
    assert_non_null(k.dot_f32_f16_x4);
    assert_non_null(k.f32_to_f16_vector);
    assert_non_null(k.f16_to_f32_vector);
    assert_non_null(k.l2_squared_i8);
    assert_non_null(k.dot_i8);
    assert_non_null(k.l2_squared_i8_x4);
    assert_non_null(k.dot_i8_x4);
    assert_non_null(k.quantize_i8);
    assert_non_null(k.hamming_b1);
    assert_non_null(k.hamming_b1_x4);
    assert_non_null(k.pack_b1);
  }
}

// --- blocks of queries by blocks of rows (block.h) -----------------------------------

const std::vector<qk::BlockKernels>& BlockTargets() {
  static const std::vector<qk::BlockKernels> targets = [] {
    std::vector<qk::BlockKernels> all(qk::block_kernels_for_all_targets(nullptr, 0));
    qk::block_kernels_for_all_targets(all.data(), all.size());
    return all;
  }();
  return targets;
}

// nq queries and n rows of `dim` floats at `stride` (>= dim) apart, each
// set in an exactly sized allocation (ASan sees a read past the last
// vector), one float in (unaligned), padding between vectors NaN (a read
// of it poisons the sum).
struct BlockCase {
  size_t nq, n, dim, stride;
  std::vector<float> query_storage, row_storage;
  const float* queries() const { return query_storage.data() + 1; }
  const float* rows() const { return row_storage.data() + 1; }

  BlockCase(std::mt19937& rng, size_t nq_, size_t n_, size_t dim_, size_t pad)
      : nq(nq_), n(n_), dim(dim_), stride(dim_ + pad) {
    auto fill = [&](std::vector<float>& v, size_t count) {
      v.assign(1 + (count - 1) * stride + dim, std::numeric_limits<float>::quiet_NaN());
      for (size_t i = 0; i < count; ++i) {
        const std::vector<float> x = RandomF32(rng, dim);
        std::copy(x.begin(), x.end(), v.begin() + 1 + i * stride);
      }
    };
    fill(query_storage, nq);
    fill(row_storage, n);
  }
};

// Every sum within float rounding of the scalar reference, and only the
// nq x n block of the output written.
void CheckBlockAgainstScalar(qk::BlockF32 block, qk::BlockF32 scalar, const BlockCase& c,
                             const char* what, const char* target) {
  const size_t out_stride = c.n + 3;
  std::vector<float> got(c.nq * out_stride, -7.0f), want(c.nq * out_stride, -7.0f);
  block(c.queries(), c.nq, c.stride, c.rows(), c.n, c.stride, c.dim, got.data(), out_stride);
  scalar(c.queries(), c.nq, c.stride, c.rows(), c.n, c.stride, c.dim, want.data(), out_stride);
  for (size_t q = 0; q < c.nq; ++q) {
    const float* query = c.queries() + q * c.stride;
    for (size_t r = 0; r < out_stride; ++r) {
      const float g = got[q * out_stride + r];
      if (r >= c.n) {
        ExpectExact(g, -7.0f, what, target, c.dim, q);  // outside the block: untouched
        continue;
      }
      const float* row = c.rows() + r * c.stride;
      double magnitude = 0.0;
      for (size_t i = 0; i < c.dim; ++i)
        magnitude += std::fabs(double(query[i]) * row[i]) +
                     (double(query[i]) - row[i]) * (double(query[i]) - row[i]);
      ExpectClose(g, want[q * out_stride + r],
                  1e-5 * std::sqrt(double(c.dim)) * std::fmax(1.0, magnitude), what, target, c.dim,
                  q);
    }
  }
}

constexpr size_t kBlockQueries[] = {1, 2, 3, 4, 5, 6, 9};
constexpr size_t kBlockRows[] = {1, 2, 3, 5, 6, 8, 9, 11, 17};

void test_block_kernels_match_scalar_for_all_dims(void** /*state*/) {
  std::mt19937 rng(29u);
  for (size_t dim : kDims) {
    for (size_t nq : kBlockQueries) {
      for (size_t n : kBlockRows) {
        const BlockCase c(rng, nq, n, dim, (nq + n) % 3 == 0 ? 5 : 0);
        for (const qk::BlockKernels& k : BlockTargets()) {
          CheckBlockAgainstScalar(k.l2_squared_f32, qk::l2_squared_f32_block_scalar, c, "l2 block",
                                  k.target);
          CheckBlockAgainstScalar(k.dot_f32, qk::dot_f32_block_scalar, c, "dot block", k.target);
        }
      }
    }
  }
}

// What FLAT relies on for a batch to equal single searches: a pair's sum is
// the same bits whatever block it is computed in (alone, with one query, or
// anywhere in a larger block).
void CheckBlockIndependent(qk::BlockF32 block, const BlockCase& c, const char* what,
                           const char* target) {
  std::vector<float> all(c.nq * c.n), one_query(c.n);
  block(c.queries(), c.nq, c.stride, c.rows(), c.n, c.stride, c.dim, all.data(), c.n);
  for (size_t q = 0; q < c.nq; ++q) {
    const float* query = c.queries() + q * c.stride;
    block(query, 1, c.stride, c.rows(), c.n, c.stride, c.dim, one_query.data(), c.n);
    for (size_t r = 0; r < c.n; ++r) {
      float alone = -1.0f;
      block(query, 1, c.stride, c.rows() + r * c.stride, 1, c.stride, c.dim, &alone, 1);
      ExpectExact(all[q * c.n + r], alone, what, target, c.dim, q * c.n + r);
      ExpectExact(one_query[r], alone, what, target, c.dim, q * c.n + r);
    }
  }
}

void test_block_sums_do_not_depend_on_the_block(void** /*state*/) {
  std::mt19937 rng(31u);
  for (size_t dim : kDims) {
    const BlockCase c(rng, 11, 23, dim, dim % 2);
    for (const qk::BlockKernels& k : BlockTargets()) {
      CheckBlockIndependent(k.l2_squared_f32, c, "l2 block, pair alone", k.target);
      CheckBlockIndependent(k.dot_f32, c, "dot block, pair alone", k.target);
    }
  }
}

void test_block_kernels_give_hand_computed_values(void** /*state*/) {
  // Queries (0,0,0), (1,2,3); rows (3,4,0), (1,2,3), (-1,-2,-3).
  const float queries[6] = {0, 0, 0, 1, 2, 3};
  const float rows[9] = {3, 4, 0, 1, 2, 3, -1, -2, -3};
  const float l2[6] = {25, 14, 14, 17, 0, 56};
  const float dot[6] = {0, 0, 0, 11, 14, -14};
  std::vector<std::pair<const char*, qk::BlockKernels>> sets = {
      {"scalar", {"scalar", qk::l2_squared_f32_block_scalar, qk::dot_f32_block_scalar}}};
  for (const qk::BlockKernels& k : BlockTargets()) sets.push_back({k.target, k});
  for (const auto& [name, k] : sets) {
    float out[6];
    k.l2_squared_f32(queries, 2, 3, rows, 3, 3, 3, out, 3);
    for (int i = 0; i < 6; ++i) ExpectExact(out[i], l2[i], "l2 block hand value", name, 3, i);
    k.dot_f32(queries, 2, 3, rows, 3, 3, 3, out, 3);
    for (int i = 0; i < 6; ++i) ExpectExact(out[i], dot[i], "dot block hand value", name, 3, i);
    // dim 0: every sum is 0; nq or n 0: nothing written.
    float zero[4] = {-1, -1, -1, -1};
    k.l2_squared_f32(queries, 2, 0, rows, 2, 0, 0, zero, 2);
    for (float v : zero) ExpectExact(v, 0.0f, "l2 block dim 0", name, 0, 0);
    float untouched = -1.0f;
    k.dot_f32(queries, 0, 3, rows, 3, 3, 3, &untouched, 3);
    k.dot_f32(queries, 2, 3, rows, 0, 3, 3, &untouched, 0);
    ExpectExact(untouched, -1.0f, "block with nq or n 0 writes nothing", name, 3, 0);
  }
}

void test_block_getters_return_the_chosen_targets_kernels(void** /*state*/) {
  assert_true(!BlockTargets().empty());
  assert_ptr_equal(qk::l2_squared_f32_block_fn(), BlockTargets()[0].l2_squared_f32);
  assert_ptr_equal(qk::dot_f32_block_fn(), BlockTargets()[0].dot_f32);
  assert_string_equal(BlockTargets()[0].target, qk::simd_target_name());
  for (const qk::BlockKernels& k : BlockTargets()) {
    assert_non_null(k.target);
    assert_non_null(k.l2_squared_f32);
    assert_non_null(k.dot_f32);
  }
}

// Vectors at the length bound of an index (kMaxVectorLength): sums stay
// finite, as in the one-pair kernels.
void test_block_sums_at_the_length_bound_stay_finite(void** /*state*/) {
  for (size_t dim : {size_t{1}, size_t{17}, size_t{784}, size_t{65536}}) {
    float x = static_cast<float>(quiver::kMaxVectorLength / std::sqrt(static_cast<double>(dim)));
    while (quiver::vector_length(std::vector<float>(dim, x).data(), dim) > quiver::kMaxVectorLength)
      x = std::nextafter(x, 0.0f);
    const double sq = static_cast<double>(x) * x * static_cast<double>(dim);
    std::vector<float> queries(2 * dim, x), rows(2 * dim, -x);
    for (size_t i = 0; i < dim; ++i) queries[dim + i] = -x;  // query 1 equals the rows
    for (const qk::BlockKernels& k : BlockTargets()) {
      float out[4];
      k.l2_squared_f32(queries.data(), 2, dim, rows.data(), 2, dim, dim, out, 2);
      ExpectFiniteNear(out[0], 4 * sq, "l2 block opposite", k.target, dim, 0);
      ExpectExact(out[2], 0.0f, "l2 block equal", k.target, dim, 0);
      k.dot_f32(queries.data(), 2, dim, rows.data(), 2, dim, dim, out, 2);
      ExpectFiniteNear(out[0], -sq, "dot block opposite", k.target, dim, 0);
      ExpectFiniteNear(out[3], sq, "dot block equal", k.target, dim, 0);
    }
  }
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_getters_return_the_chosen_targets_kernels),
      cmocka_unit_test(test_l2_f32_simd_matches_scalar_for_all_dims),
      cmocka_unit_test(test_dot_f32_simd_matches_scalar_for_all_dims),
      cmocka_unit_test(test_cosine_f32_simd_matches_scalar_for_all_dims),
      cmocka_unit_test(test_l2_f16_simd_matches_scalar_for_all_dims),
      cmocka_unit_test(test_dot_f16_simd_matches_scalar_for_all_dims),
      cmocka_unit_test(test_kernels_give_hand_computed_values),
      cmocka_unit_test(test_empty_vectors_give_zero_distance),
      cmocka_unit_test(test_many_matches_per_row_calls_with_stride_at_least_dim),
      cmocka_unit_test(test_four_row_kernels_match_scalar_for_all_dims),
      cmocka_unit_test(test_sums_at_the_length_bound_stay_finite),
      cmocka_unit_test(test_metric_distance_is_never_nan),
      cmocka_unit_test(test_f16_round_trip_is_exact_for_all_65536_values),
      cmocka_unit_test(test_f16_to_f32_decodes_known_values),
      cmocka_unit_test(test_f32_to_f16_rounds_to_nearest_even),
      cmocka_unit_test(test_code_getters_return_the_chosen_targets_kernels),
      cmocka_unit_test(test_f32_f16_kernels_match_scalar_for_all_dims),
      cmocka_unit_test(test_f32_f16_kernels_at_half_extremes),
      cmocka_unit_test(test_f32_to_f16_saturate_clamps_to_the_largest_half),
      cmocka_unit_test(test_f16_vector_conversions_match_scalar_for_all_targets),
      cmocka_unit_test(test_i8_kernels_match_scalar_exactly_for_all_dims),
      cmocka_unit_test(test_i8_kernels_are_exact_at_extreme_values),
      cmocka_unit_test(test_quantize_i8_matches_scalar_for_all_dims),
      cmocka_unit_test(test_quantize_i8_rounds_ties_to_even_and_clamps),
      cmocka_unit_test(test_hamming_b1_matches_scalar_for_all_dims),
      cmocka_unit_test(test_hamming_b1_counts_every_bit_once),
      cmocka_unit_test(test_pack_b1_matches_scalar_for_all_dims),
      cmocka_unit_test(test_code_kernels_give_hand_computed_values),
      cmocka_unit_test(test_code_kernels_at_dim_0),
      cmocka_unit_test(test_block_getters_return_the_chosen_targets_kernels),
      cmocka_unit_test(test_block_kernels_match_scalar_for_all_dims),
      cmocka_unit_test(test_block_sums_do_not_depend_on_the_block),
      cmocka_unit_test(test_block_kernels_give_hand_computed_values),
      cmocka_unit_test(test_block_sums_at_the_length_bound_stay_finite),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
