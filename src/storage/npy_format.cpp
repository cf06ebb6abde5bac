#include "storage/npy_format.h"

#include <cctype>
#include <cstring>

#include "core/error.h"

namespace quiver::storage {

namespace {

constexpr uint8_t kNpyMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// A recursive-descent reader for the one dict literal .npy headers hold.
class DictParser {
 public:
  DictParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[')
          fail(Status::Unsupported, path_ +
                                        ": the .npy file holds a structured dtype; Quiver "
                                        "reads plain float16, float32 or float64 arrays");
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        have_shape = true;
      } else {
        bad("unexpected key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') bad("expected ',' or '}'");
    }
    ++pos_;
    while (pos_ < s_.size()) {
      if (!std::isspace(static_cast<unsigned char>(s_[pos_])))
        bad("unexpected text after the dict");
      ++pos_;
    }
    if (!have_descr || !have_order || !have_shape)
      bad("the header lacks one of 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& what) {
    fail(Status::Corrupt,
         path_ + ": the .npy header is malformed (" + what + "); write the file with numpy.save");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    char q = peek();
    if (q != '\'' && q != '"') bad("expected a quoted string");
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos) bad("unterminated string");
    std::string out = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    bad("expected True or False");
  }
  std::vector<uint64_t> tuple() {
    std::vector<uint64_t> out;
    expect('(');
    for (;;) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) bad("expected a dimension");
      uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        uint64_t digit = uint64_t(peek() - '0');
        if (v > (UINT64_MAX - digit) / 10) bad("a dimension is too large");
        v = v * 10 + digit;
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long
      out.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != ')') bad("expected ',' or ')' in the shape");
    }
    ++pos_;
    return out;
  }

  const std::string& s_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(const uint8_t* bytes, size_t size, const std::string& path) {
  if (size < 8 || std::memcmp(bytes, kNpyMagic, sizeof kNpyMagic) != 0)
    fail(Status::Corrupt, path + ": not a .npy file (bad magic); write it with numpy.save");
  const int major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0)
    fail(Status::Unsupported, path + ": .npy format version " + std::to_string(major) + "." +
                                  std::to_string(minor) +
                                  " is not supported; Quiver reads versions 1.0, 2.0 and 3.0");
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (size < 8 + length_bytes) fail(Status::Corrupt, path + ": the .npy header is truncated");
  uint64_t header_len = bytes[8] | (uint64_t(bytes[9]) << 8);
  if (major > 1) header_len |= (uint64_t(bytes[10]) << 16) | (uint64_t(bytes[11]) << 24);
  const size_t start = 8 + length_bytes;
  if (header_len > size - start)
    fail(Status::Corrupt, path + ": the .npy header is truncated (it declares " +
                              std::to_string(header_len) + " bytes, the file holds " +
                              std::to_string(size - start) + " after the preamble)");
  // Versions 1 and 2 are latin-1, 3 is UTF-8: the dict itself is ASCII in
  // both, so the bytes are parsed as they are.
  std::string text(reinterpret_cast<const char*>(bytes + start), size_t(header_len));
  NpyHeader h = DictParser(text, path).parse();
  h.major = major;
  h.data_offset = start + size_t(header_len);
  const std::string& d = h.descr;
  if (d.size() < 3 || std::strchr("<>|=", d[0]) == nullptr ||
      !std::isalpha(static_cast<unsigned char>(d[1])))
    fail(Status::Unsupported,
         path + ": dtype '" + d + "' is not supported; Quiver reads float16, float32 or float64");
  h.byte_order = d[0] == '=' ? '<' : d[0];
  h.type = d[1];
  size_t item = 0;
  for (size_t i = 2; i < d.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(d[i])) || item > 1024)
      fail(Status::Unsupported,
           path + ": dtype '" + d + "' is not supported; Quiver reads float16, float32 or float64");
    item = item * 10 + size_t(d[i] - '0');
  }
  h.item_size = item;
  return h;
}

std::string format_npy_header(const std::string& descr, const std::vector<uint64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) dict += ',';
    if (i + 1 < shape.size()) dict += ' ';
  }
  dict += "), }";
  // numpy pads with spaces and ends with a newline so that the data start
  // on a 64-byte boundary.
  const size_t preamble = 10;
  size_t total = preamble + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string out(reinterpret_cast<const char*>(kNpyMagic), sizeof kNpyMagic);
  out += char(1);
  out += char(0);
  out += char(dict.size() & 0xff);
  out += char((dict.size() >> 8) & 0xff);
  return out + dict;
}

std::string npy_type_name(const NpyHeader& h) {
  std::string base;
  switch (h.type) {
    case 'f':
      base = "float";
      break;
    case 'i':
      base = "int";
      break;
    case 'u':
      base = "uint";
      break;
    case 'c':
      base = "complex";
      break;
    case 'b':
      return "bool";
    default:
      return "dtype '" + h.descr + "'";
  }
  return base + std::to_string(h.item_size * 8);
}

}  // namespace quiver::storage
