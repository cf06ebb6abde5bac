// What a qv_index handle holds: the C++ collection (index + metadata) plus
// what the C API needs.
#pragma once

#include <memory>

#include "collection/collection.h"
#include "collection/text_layer.h"
#include "quiver/quiver.h"

struct qv_index {
  std::unique_ptr<quiver::Collection> collection;
  qv_index_options options;  // as created (or as read from disk)
  quiver::TextLayer text;    // embedder and chunking for qv_index_*_text (not saved)
};
