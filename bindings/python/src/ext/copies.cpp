// Copies of metadata and documents: a first guess of room, then again with
// the lengths when the bytes were longer (they may have grown meanwhile).
#include "copies.h"

namespace qvpy {

namespace {
constexpr size_t kFirstGuess = 256;
constexpr size_t kFieldsFirstGuess = 1024;

char* data_or_null(std::string& s) { return s.empty() ? nullptr : &s[0]; }
}  // namespace

qv_status copy_metadata(const qv_index* index, uint64_t key, std::string& out) {
  out.resize(kFirstGuess);
  for (;;) {
    size_t len = 0;
    const qv_status status = qv_index_copy_metadata(index, key, &out[0], out.size(), &len);
    if (status != QV_OK) return status;
    const bool whole = len <= out.size();
    out.resize(len);
    if (whole) return QV_OK;
  }
}

qv_status copy_document(const qv_index* index, uint64_t doc_key, std::string* source,
                        std::string* fields) {
  std::string src(source ? kFirstGuess : 0, '\0'), fld(fields ? kFieldsFirstGuess : 0, '\0');
  for (;;) {
    size_t src_len = 0, fld_len = 0;
    const qv_status status =
        qv_index_copy_document(index, doc_key, data_or_null(src), src.size(), &src_len,
                               data_or_null(fld), fld.size(), &fld_len);
    if (status != QV_OK) return status;
    // Both again when either was cut short: source and fields of one call
    // are of one version.
    const bool whole = (!source || src_len <= src.size()) && (!fields || fld_len <= fld.size());
    if (source) src.resize(src_len);
    if (fields) fld.resize(fld_len);
    if (whole) break;
  }
  if (source) source->swap(src);
  if (fields) fields->swap(fld);
  return QV_OK;
}

}  // namespace qvpy
