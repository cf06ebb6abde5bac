# Debian packages only: libhwy-dev (SIMD dispatch), libzstd-dev (compressed
# sections), libxxhash-dev (section checksums), libcmocka-dev (tests).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(HWY REQUIRED IMPORTED_TARGET libhwy)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
# The Gemini embedder: libcurl4-openssl-dev (HTTPS), nlohmann-json3-dev (JSON).
if(QV_WITH_GEMINI)
  pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
  find_package(nlohmann_json 3.2 REQUIRED)
endif()
if(QV_BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
