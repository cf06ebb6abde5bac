#include "collection/keyword_image.h"

#include <cstring>

#include "core/error.h"

namespace quiver {
namespace {

constexpr uint32_t kMagic = 0x44574B51;  // "QKWD" on disk
constexpr uint32_t kLayoutVersion = 1;
constexpr size_t kHeadBytes = 64;
constexpr size_t kElementBytes = 16;

struct Head {
  uint32_t magic;
  uint32_t layout_version;
  uint64_t text_count;
  uint64_t term_count;
  uint64_t posting_count;
  uint64_t total_words;
  uint64_t term_bytes;
  uint64_t reserved[2];
};
static_assert(sizeof(Head) == kHeadBytes, "the head is part of the file format");

template <typename T>
T read_at(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void put(std::vector<uint8_t>& out, size_t& at, const void* data, size_t size) {
  std::memcpy(out.data() + at, data, size);
  at += size;
}

}  // namespace

KeywordImage KeywordImage::view(ByteSpan bytes, std::shared_ptr<const void> owner,
                                const std::string& where) {
  KeywordImage image;
  image.bytes_ = bytes;
  image.owner_ = std::move(owner);
  image.check(where);
  return image;
}

KeywordImage KeywordImage::copy(ByteSpan bytes, const std::string& where) {
  auto copy = std::make_shared<std::vector<uint8_t>>(bytes.data, bytes.data + bytes.size);
  KeywordImage image;
  image.bytes_ = ByteSpan{copy->data(), copy->size()};
  image.copy_ = std::move(copy);
  image.check(where);
  return image;
}

void KeywordImage::check(const std::string& where) {
  auto corrupt = [&](const std::string& what) {
    fail(Status::Corrupt, where + ": keyword index: " + what +
                              " (the file is damaged; save the index again from its source)");
  };
  if (bytes_.size < kHeadBytes) corrupt("shorter than its head");
  const Head head = read_at<Head>(bytes_.data);
  if (head.magic != kMagic) corrupt("bad magic");
  if (head.layout_version != kLayoutVersion)
    fail(Status::Unsupported, where + ": keyword index layout " +
                                  std::to_string(head.layout_version) +
                                  " is unknown to this version of Quiver");
  const uint64_t room = (bytes_.size - kHeadBytes) / kElementBytes;
  if (head.text_count > room || head.term_count > room - head.text_count ||
      head.posting_count > room - head.text_count - head.term_count ||
      kHeadBytes + (head.text_count + head.term_count + head.posting_count) * kElementBytes +
              head.term_bytes !=
          bytes_.size)
    corrupt("the counts in its head disagree with its size");
  text_count_ = head.text_count;
  term_count_ = head.term_count;
  posting_count_ = head.posting_count;
  term_bytes_ = head.term_bytes;
  total_words_ = head.total_words;
  texts_ = bytes_.data + kHeadBytes;
  terms_ = texts_ + text_count_ * kElementBytes;
  postings_ = terms_ + term_count_ * kElementBytes;
  term_text_ = reinterpret_cast<const char*>(postings_ + posting_count_ * kElementBytes);

  uint64_t words = 0;
  for (uint64_t i = 0; i < text_count_; ++i) {
    const Text t = text(i);
    if (t.words == 0 || (i > 0 && t.key <= text(i - 1).key))
      corrupt("texts out of order or empty at entry " + std::to_string(i));
    words += t.words;
  }
  if (words != total_words_) corrupt("the word total disagrees with its texts");
  uint64_t posting_end = 0, byte_end = 0;
  std::string_view previous;
  for (uint64_t i = 0; i < term_count_; ++i) {
    const uint64_t p_end = read_at<uint64_t>(terms_ + i * kElementBytes);
    const uint64_t b_end = read_at<uint64_t>(terms_ + i * kElementBytes + 8);
    if (p_end <= posting_end || p_end > posting_count_ || b_end <= byte_end || b_end > term_bytes_)
      corrupt("term " + std::to_string(i) + " points outside its arrays or is empty");
    const std::string_view t(term_text_ + byte_end, b_end - byte_end);
    if (i > 0 && t <= previous) corrupt("terms out of order at term " + std::to_string(i));
    previous = t;
    posting_end = p_end;
    byte_end = b_end;
  }
  if (posting_end != posting_count_ || byte_end != term_bytes_)
    corrupt("its terms do not cover its postings and bytes");
}

KeywordImage::Text KeywordImage::text(uint64_t i) const {
  const uint8_t* p = texts_ + i * kElementBytes;
  return Text{read_at<uint64_t>(p), read_at<uint32_t>(p + 8)};
}

std::optional<uint32_t> KeywordImage::words_of(uint64_t key) const {
  uint64_t lo = 0, hi = text_count_;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    const Text t = text(mid);
    if (t.key == key) return t.words;
    if (t.key < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return std::nullopt;
}

KeywordImage::Posting KeywordImage::posting(uint64_t i) const {
  const uint8_t* p = postings_ + i * kElementBytes;
  return Posting{read_at<uint64_t>(p), read_at<uint32_t>(p + 8), read_at<uint32_t>(p + 12)};
}

std::string_view KeywordImage::term(uint64_t i) const {
  const uint64_t begin = i == 0 ? 0 : read_at<uint64_t>(terms_ + (i - 1) * kElementBytes + 8);
  const uint64_t end = read_at<uint64_t>(terms_ + i * kElementBytes + 8);
  return std::string_view(term_text_ + begin, end - begin);
}

KeywordImage::Range KeywordImage::postings_of(uint64_t i) const {
  const uint64_t begin = i == 0 ? 0 : read_at<uint64_t>(terms_ + (i - 1) * kElementBytes);
  return Range{begin, read_at<uint64_t>(terms_ + i * kElementBytes)};
}

KeywordImage::Range KeywordImage::find(std::string_view t) const {
  uint64_t lo = 0, hi = term_count_;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    const std::string_view m = term(mid);
    if (m == t) return postings_of(mid);
    if (m < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return Range{};
}

std::vector<uint8_t> KeywordImage::encode(uint64_t total_words, const std::vector<Text>& texts,
                                          const std::vector<Term>& terms) {
  uint64_t posting_count = 0, term_bytes = 0;
  for (const Term& t : terms) {
    posting_count += t.postings.size();
    term_bytes += t.term.size();
  }
  Head head{};
  head.magic = kMagic;
  head.layout_version = kLayoutVersion;
  head.text_count = texts.size();
  head.term_count = terms.size();
  head.posting_count = posting_count;
  head.total_words = total_words;
  head.term_bytes = term_bytes;
  std::vector<uint8_t> out(
      kHeadBytes + (texts.size() + terms.size() + posting_count) * kElementBytes + term_bytes);
  size_t at = 0;
  put(out, at, &head, sizeof head);
  const uint32_t zero = 0;
  for (const Text& t : texts) {
    put(out, at, &t.key, 8);
    put(out, at, &t.words, 4);
    put(out, at, &zero, 4);
  }
  uint64_t posting_end = 0, byte_end = 0;
  for (const Term& t : terms) {
    posting_end += t.postings.size();
    byte_end += t.term.size();
    put(out, at, &posting_end, 8);
    put(out, at, &byte_end, 8);
  }
  for (const Term& t : terms)
    for (const Posting& p : t.postings) {
      put(out, at, &p.key, 8);
      put(out, at, &p.tf, 4);
      put(out, at, &p.words, 4);
    }
  for (const Term& t : terms) put(out, at, t.term.data(), t.term.size());
  return out;
}

}  // namespace quiver
