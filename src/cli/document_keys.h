// How quiver ingest names the files of a folder: a document key from the
// file's path relative to the folder, and a content hash to tell a changed
// file from an unchanged one (docs/documents.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quiver::cli {

// FNV-1a, 64 bits (offset basis 14695981039346656037, prime
// 1099511628211), over the bytes.
uint64_t fnv1a64(std::string_view bytes);

// The document key of a relative path ('/'-separated, UTF-8, as stored in
// the document's source): the high 48 bits of fnv1a64(path), so it is a
// valid document key (at most QV_MAX_DOC_KEY).
uint64_t path_document_key(std::string_view relative_path);

// The document fields quiver ingest writes for a file's content:
// {"content_fnv1a64":"<16 lower-case hex digits>","bytes":<size>}.
std::string content_fields(std::string_view content);

}  // namespace quiver::cli
