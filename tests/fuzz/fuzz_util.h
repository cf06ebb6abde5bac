// Helpers shared by the fuzz targets: a reader that turns the fuzzer's bytes
// into arguments (running out of bytes gives zeros, never an error), a
// per-process scratch directory for targets that need a file on disk, and a
// check that aborts with a message (libFuzzer then saves the input).
#pragma once

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace qvfuzz {

// Aborts with a message: libFuzzer reports it as a crash and saves the input.
[[noreturn]] inline void die(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}
// An expression, so that `return QVF_CHECK(x);` works in a void function.
#define QVF_CHECK(cond) ((cond) ? (void)0 : ::qvfuzz::die(__FILE__, __LINE__, #cond))

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}

  size_t left() const { return n_; }
  bool empty() const { return n_ == 0; }

  uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  uint16_t u16() { return uint16_t(u8() | (uint16_t(u8()) << 8)); }
  uint32_t u32() { return uint32_t(u16()) | (uint32_t(u16()) << 16); }
  uint64_t u64() { return uint64_t(u32()) | (uint64_t(u32()) << 32); }
  bool flag() { return u8() & 1; }
  // [0, n) for n > 0.
  size_t below(size_t n) { return n ? size_t(u32()) % n : 0; }
  // Any float bit pattern: NaN, infinities, subnormals, -0.
  float raw_float() {
    uint32_t bits = u32();
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  // Mostly tame values, sometimes any bit pattern.
  float some_float() {
    uint8_t how = u8();
    if (how < 200) return float(int8_t(u8())) / 16.0f;
    return raw_float();
  }
  // Up to `max` bytes (fewer when the input runs out).
  std::string bytes(size_t max) {
    size_t take = max < n_ ? max : n_;
    std::string out(reinterpret_cast<const char*>(p_), take);
    p_ += take;
    n_ -= take;
    return out;
  }
  std::string rest() { return bytes(n_); }

 private:
  const uint8_t* p_;
  size_t n_;
};

// A directory of this process (removed at exit): fuzzers run in parallel
// (-jobs, -fork) and each needs its own files.
// The directory's name holds the process id: a fuzzer that crashed (no
// exit handlers run) leaves its directory behind, and the next one removes
// it once that process is gone.
inline void remove_stale_scratch_dirs(const std::string& base) {
  DIR* d = ::opendir(base.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    long pid = 0;
    char rest[16];
    if (std::sscanf(e->d_name, "qv-fuzz-%ld-%15s", &pid, rest) != 2 || pid <= 0) continue;
    if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;
    std::string cmd = "rm -rf '" + base + "/" + e->d_name + "'";
    if (std::system(cmd.c_str()) != 0) {
    }
  }
  ::closedir(d);
}

inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* env = std::getenv("TMPDIR");
    const std::string base = env && *env ? env : "/tmp";
    remove_stale_scratch_dirs(base);
    std::string tmpl = base + "/qv-fuzz-" + std::to_string(long(::getpid())) + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) die(__FILE__, __LINE__, "mkdtemp failed");
    static std::string for_exit;
    for_exit = tmpl;
    std::atexit([] {
      std::string cmd = "rm -rf '" + for_exit + "'";
      if (std::system(cmd.c_str()) != 0) {
      }
    });
    return tmpl;
  }();
  return dir;
}

inline std::string scratch_path(const char* name) { return scratch_dir() + "/" + name; }

// Replaces the file with exactly these bytes.
inline void write_file(const std::string& path, const void* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) die(__FILE__, __LINE__, "cannot create a scratch file");
  if (size && std::fwrite(data, 1, size, f) != size) die(__FILE__, __LINE__, "short write");
  if (std::fclose(f) != 0) die(__FILE__, __LINE__, "close failed");
}

}  // namespace qvfuzz
