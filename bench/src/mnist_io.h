// MNIST images in the IDX format, gzip-compressed (t10k-images-idx3-ubyte.gz):
// big-endian int32 magic 0x00000803, count, rows, cols, then uint8 pixels.
#pragma once

#include <string>

#include "common.h"

namespace qvb {

// count x (rows*cols) floats with the raw pixel values 0..255. Throws
// std::runtime_error on a missing or malformed file.
Matrix read_mnist_images_gz(const std::string& path);

}  // namespace qvb
