#include "mnist_io.h"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#if defined(QVB_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace qvb {

namespace {

std::vector<unsigned char> gunzip_file(const std::string& path) {
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
#if defined(QVB_HAVE_ZLIB)
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  for (;;) {
    int got = gzread(f, buf, sizeof buf);
    if (got < 0) {
      gzclose(f);
      throw std::runtime_error(path + ": gzip error");
    }
    if (got == 0) break;
    out.insert(out.end(), buf, buf + got);
  }
  gzclose(f);
#else
  FILE* probe = std::fopen(path.c_str(), "rb");
  if (!probe) throw std::runtime_error("cannot open " + path);
  std::fclose(probe);
  std::string cmd = "gzip -dc '" + path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + cmd);
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) out.insert(out.end(), buf, buf + got);
  if (pclose(p) != 0) throw std::runtime_error("failed: " + cmd);
#endif
  return out;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

Matrix read_mnist_images_gz(const std::string& path) {
  std::vector<unsigned char> raw = gunzip_file(path);
  if (raw.size() < 16 || be32(raw.data()) != 0x00000803u)
    throw std::runtime_error(path + ": not an IDX3 ubyte image file");
  size_t count = be32(raw.data() + 4), rows = be32(raw.data() + 8), cols = be32(raw.data() + 12);
  size_t d = rows * cols;
  if (d == 0 || raw.size() != 16 + count * d)
    throw std::runtime_error(path + ": size does not match its header");
  Matrix m;
  m.n = count;
  m.d = d;
  m.data.resize(count * d);
  for (size_t i = 0; i < count * d; ++i) m.data[i] = static_cast<float>(raw[16 + i]);
  return m;
}

}  // namespace qvb
