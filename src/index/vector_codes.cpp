#include "index/vector_codes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "index/vector_checks.h"
#include "kernels/half.h"

namespace quiver {

namespace {

constexpr size_t kI8Header = 2 * sizeof(float);  // scale, squared length
constexpr size_t kB1Header = 8;                  // length, 4 bytes zero

float read_float(const char* p) {
  float f;
  std::memcpy(&f, p, sizeof f);
  return f;
}

size_t round_up4(size_t n) { return (n + 3) & ~size_t(3); }

size_t code_bytes_for(Storage storage, uint32_t dim) {
  switch (storage) {
    case Storage::F16:
      return size_t(dim) * sizeof(uint16_t);
    case Storage::I8:
      return kI8Header + dim;
    case Storage::B1:
      return kB1Header + kernels::b1_words(dim) * sizeof(uint64_t);
    case Storage::F32:
      break;
  }
  return size_t(dim) * sizeof(float);
}

}  // namespace

const char* storage_name(Storage s) {
  switch (s) {
    case Storage::F32:
      return "f32";
    case Storage::F16:
      return "f16";
    case Storage::I8:
      return "i8";
    case Storage::B1:
      return "b1";
  }
  return "unknown";
}

VectorCodes::VectorCodes(Storage storage, Metric metric, uint32_t dim)
    : storage_(storage),
      metric_(metric),
      dim_(dim),
      code_bytes_(code_bytes_for(storage, dim)),
      // An F16 query is float32; the others are codes of their own kind.
      query_bytes_(storage == Storage::F16 ? size_t(dim) * sizeof(float) : round_up4(code_bytes_)),
      f32_(metric) {
  const bool dot = metric != Metric::L2;
  if (storage == Storage::F16) {
    f16_one_ = dot ? kernels::dot_f32_f16_fn() : kernels::l2_squared_f32_f16_fn();
    f16_four_ = dot ? kernels::dot_f32_f16_x4_fn() : kernels::l2_squared_f32_f16_x4_fn();
  } else if (storage == Storage::I8) {
    i8_one_ = kernels::dot_i8_fn();
    i8_four_ = kernels::dot_i8_x4_fn();
  } else if (storage == Storage::B1) {
    b1_one_ = kernels::hamming_b1_fn();
    b1_four_ = kernels::hamming_b1_x4_fn();
    cos_of_bits_.resize(size_t(dim) + 1);
    for (size_t h = 0; h <= dim; ++h)
      cos_of_bits_[h] = float(std::cos(M_PI * double(h) / double(dim)));
  }
}

void VectorCodes::check_storable(size_t n, const float* vectors) const {
  if (storage_ != Storage::F16 || metric_ == Metric::Cosine) return;
  for (size_t row = 0; row < n; ++row)
    for (size_t i = 0; i < dim_; ++i) {
      const float x = vectors[row * dim_ + i];
      if (!(std::fabs(x) > kernels::kF16Max)) continue;
      fail(Status::InvalidArgument,
           (n == 1 ? std::string("the vector") : "vector " + std::to_string(row)) + " holds " +
               std::to_string(x) + " at element " + std::to_string(i) +
               ", beyond the +-65504 that f16 storage holds; scale the data down (one factor "
               "for every vector and query keeps the order of results) or store it as f32");
    }
}

void VectorCodes::encode(const float* prepared, char* code) const {
  switch (storage_) {
    case Storage::F32:
      std::memcpy(code, prepared, code_bytes_);
      return;
    case Storage::F16:
      kernels::f32_to_f16_vector(prepared, dim_, reinterpret_cast<uint16_t*>(code));
      return;
    case Storage::I8: {
      float max_abs = 0.0f;
      double squared = 0.0;
      for (size_t i = 0; i < dim_; ++i) {
        max_abs = std::max(max_abs, std::fabs(prepared[i]));
        squared += double(prepared[i]) * prepared[i];
      }
      const float scale = max_abs / 127.0f;
      const float inv_scale = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
      const float squared_f = float(squared);
      std::memcpy(code, &scale, sizeof scale);
      std::memcpy(code + sizeof(float), &squared_f, sizeof squared_f);
      kernels::quantize_i8(prepared, dim_, nullptr, inv_scale,
                           reinterpret_cast<int8_t*>(code + kI8Header));
      return;
    }
    case Storage::B1: {
      const float length = float(std::sqrt([&] {
        double s = 0.0;
        for (size_t i = 0; i < dim_; ++i) s += double(prepared[i]) * prepared[i];
        return s;
      }()));
      std::memset(code, 0, kB1Header);
      std::memcpy(code, &length, sizeof length);
      // Codes and queries start 8-byte aligned (records at 16, queries in
      // float vectors), so the words are too.
      kernels::pack_b1(prepared, dim_, reinterpret_cast<uint64_t*>(code + kB1Header));
      return;
    }
  }
}

void VectorCodes::decode(const char* code, float* out) const {
  switch (storage_) {
    case Storage::F32:
      std::memcpy(out, code, code_bytes_);
      return;
    case Storage::F16:
      kernels::f16_to_f32_vector(reinterpret_cast<const uint16_t*>(code), dim_, out);
      return;
    case Storage::I8: {
      const int8_t* c = reinterpret_cast<const int8_t*>(code + kI8Header);
      kernels::dequantize_i8(c, dim_, nullptr, read_float(code), out);
      return;
    }
    case Storage::B1: {
      const float magnitude = read_float(code) / std::sqrt(float(dim_));
      for (size_t i = 0; i < dim_; ++i) {
        uint64_t word;
        std::memcpy(&word, code + kB1Header + (i / 64) * sizeof(uint64_t), sizeof word);
        out[i] = (word >> (i % 64)) & 1 ? magnitude : -magnitude;
      }
      return;
    }
  }
}

void VectorCodes::prepare_query(const float* prepared, char* query) const {
  if (storage_ == Storage::F16)
    std::memcpy(query, prepared, size_t(dim_) * sizeof(float));
  else
    encode(prepared, query);
}

const char* VectorCodes::query_of_code(const char* code, char* buffer) const {
  if (storage_ != Storage::F16) return code;
  decode(code, reinterpret_cast<float*>(buffer));
  return buffer;
}

float VectorCodes::finish_dot(double dot) const {
  const float d = float(1.0 - dot);
  return d == d ? d : std::numeric_limits<float>::infinity();
}

float VectorCodes::b1_distance(uint64_t differing, const char* query, const char* code) const {
  const double cosine = cos_of_bits_[std::min<uint64_t>(differing, dim_)];
  if (metric_ == Metric::Cosine) return float(1.0 - cosine);
  return finish_dot(double(read_float(query)) * read_float(code) * cosine);
}

float VectorCodes::distance(const char* query, const char* code) const {
  switch (storage_) {
    case Storage::F32:
      return f32_(reinterpret_cast<const float*>(query), reinterpret_cast<const float*>(code),
                  dim_);
    case Storage::F16: {
      const float s = f16_one_(reinterpret_cast<const float*>(query),
                               reinterpret_cast<const uint16_t*>(code), dim_);
      if (metric_ != Metric::L2) return finish_dot(s);
      return s == s ? s : std::numeric_limits<float>::infinity();
    }
    case Storage::I8: {
      const int64_t dot = i8_one_(reinterpret_cast<const int8_t*>(query + kI8Header),
                                  reinterpret_cast<const int8_t*>(code + kI8Header), dim_);
      const double q_dot_x = double(read_float(query)) * read_float(code) * double(dot);
      if (metric_ != Metric::L2) return finish_dot(q_dot_x);
      const double l2 = double(read_float(query + 4)) + read_float(code + 4) - 2.0 * q_dot_x;
      return float(std::max(0.0, l2));
    }
    case Storage::B1: {
      const uint64_t h = b1_one_(reinterpret_cast<const uint64_t*>(query + kB1Header),
                                 reinterpret_cast<const uint64_t*>(code + kB1Header), dim_);
      return b1_distance(h, query, code);
    }
  }
  return std::numeric_limits<float>::infinity();
}

void VectorCodes::four(const char* query, const char* const* codes, float* out) const {
  switch (storage_) {
    case Storage::F32:
      f32_.four(reinterpret_cast<const float*>(query), reinterpret_cast<const float* const*>(codes),
                dim_, out);
      return;
    case Storage::F16:
      f16_four_(reinterpret_cast<const float*>(query),
                reinterpret_cast<const uint16_t* const*>(codes), dim_, out);
      for (int i = 0; i < 4; ++i) {
        if (metric_ != Metric::L2)
          out[i] = finish_dot(out[i]);
        else if (out[i] != out[i])
          out[i] = std::numeric_limits<float>::infinity();
      }
      return;
    case Storage::I8: {
      const int8_t* rows[4];
      for (int i = 0; i < 4; ++i) rows[i] = reinterpret_cast<const int8_t*>(codes[i] + kI8Header);
      int64_t dots[4];
      i8_four_(reinterpret_cast<const int8_t*>(query + kI8Header), rows, dim_, dots);
      const double q_scale = read_float(query), q_squared = read_float(query + 4);
      for (int i = 0; i < 4; ++i) {
        const double q_dot_x = q_scale * read_float(codes[i]) * double(dots[i]);
        out[i] = metric_ != Metric::L2
                     ? finish_dot(q_dot_x)
                     : float(std::max(0.0, q_squared + read_float(codes[i] + 4) - 2.0 * q_dot_x));
      }
      return;
    }
    case Storage::B1: {
      const uint64_t* rows[4];
      for (int i = 0; i < 4; ++i) rows[i] = reinterpret_cast<const uint64_t*>(codes[i] + kB1Header);
      uint64_t h[4];
      b1_four_(reinterpret_cast<const uint64_t*>(query + kB1Header), rows, dim_, h);
      for (int i = 0; i < 4; ++i) out[i] = b1_distance(h[i], query, codes[i]);
      return;
    }
  }
}

bool VectorCodes::valid(const char* code, std::string& what) const {
  auto bad = [&](std::string text) {
    what = std::move(text);
    return false;
  };
  switch (storage_) {
    case Storage::F32: {
      const float* v = reinterpret_cast<const float*>(code);  // records are 16-byte aligned
      const size_t at = find_non_finite(v, dim_);
      if (at != dim_)
        return bad(std::string(std::isnan(v[at]) ? "a NaN" : "an infinite") + " value at element " +
                   std::to_string(at));
      return true;
    }
    case Storage::F16:
      for (size_t i = 0; i < dim_; ++i) {
        uint16_t h;
        std::memcpy(&h, code + i * sizeof h, sizeof h);
        if ((h & 0x7C00) == 0x7C00)
          return bad("a NaN or infinite half at element " + std::to_string(i));
      }
      return true;
    case Storage::I8: {
      const float scale = read_float(code), squared = read_float(code + 4);
      if (!(scale >= 0.0f) || !std::isfinite(scale) || !(squared >= 0.0f) ||
          !std::isfinite(squared))
        return bad("a negative or non-finite scale or length");
      return true;
    }
    case Storage::B1: {
      const float length = read_float(code);
      if (!(length >= 0.0f) || !std::isfinite(length))
        return bad("a negative or non-finite length");
      return true;
    }
  }
  return true;
}

}  // namespace quiver
