// What a qv_embedder is: a shared reference to a C++ Embedder, so an index
// can keep the embedder alive after the caller has freed its handle.
#pragma once

#include <memory>

#include "embedding/embedder.h"
#include "quiver/quiver.h"

struct qv_embedder {
  std::shared_ptr<quiver::Embedder> impl;
};
