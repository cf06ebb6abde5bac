// Metadata and document reads through the library's copy calls
// (qv_index_copy_metadata, qv_index_copy_document): made under the index's
// locks, so a copy is whole even while another thread changes the key or
// upserts the document. Call with the GIL released: they wait for those locks.
#pragma once

#include <string>

#include "common.h"

namespace qvpy {

// The metadata of `key` into `out`.
qv_status copy_metadata(const qv_index* index, uint64_t key, std::string& out);

// The source and fields of a document, both from one version; either
// output may be null (not copied).
qv_status copy_document(const qv_index* index, uint64_t doc_key, std::string* source,
                        std::string* fields);

}  // namespace qvpy
