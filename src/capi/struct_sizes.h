// The struct_size of every released version of the growing structs, so that
// a program built against an older quiver.h keeps working (structs grow only
// at their end; fields an older struct lacks take their defaults).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "capi/error_state.h"
#include "quiver/quiver.h"

namespace quiver::capi {

// Quiver 0.1: up to `threads` (qv_index_options), `threads`
// (qv_search_params), `read_only` (qv_index_info), each rounded up to the
// struct's 8-byte alignment.
inline constexpr uint32_t kIndexOptionsV1Size = 48;
inline constexpr uint32_t kSearchParamsV1Size = 32;
inline constexpr uint32_t kIndexInfoV1Size = 72;

// The 0.2 fields start where 0.1's named fields ended (possibly inside
// 0.1's tail padding, which a 0.1 program may leave uninitialised: those
// bytes are never read for a 0.1 struct_size).
static_assert(offsetof(qv_index_options, storage) ==
              offsetof(qv_index_options, threads) + sizeof(uint32_t));
static_assert(offsetof(qv_index_options, storage) <= kIndexOptionsV1Size &&
              sizeof(qv_index_options) > kIndexOptionsV1Size);
static_assert(offsetof(qv_search_params, rerank) >= kSearchParamsV1Size);
static_assert(offsetof(qv_index_info, storage) ==
                  offsetof(qv_index_info, read_only) + sizeof(int) &&
              sizeof(qv_index_info) > kIndexInfoV1Size);

// Writes the defaults in `full` (the current struct) into the caller's
// struct of `size` bytes: at most `size` bytes, with struct_size = size.
// What an `_init_sized` call does; the 0.1 `_init` symbols pass 0.1's size.
template <typename Struct>
void init_sized(Struct* out, size_t size, const Struct& full) {
  if (!out || size < sizeof(uint32_t)) return;
  Struct copy = full;
  copy.struct_size = uint32_t(size);
  std::memcpy(static_cast<void*>(out), &copy, size < sizeof(Struct) ? size : sizeof(Struct));
}

// Copies what the caller's struct of `size` bytes holds of Struct's fields
// into `out` (already holding the defaults): every field up to `v1_end` for
// a 0.1 size, the whole struct for the current one. Returns
// QV_ERR_INVALID_ARGUMENT naming `what` for any other size.
template <typename Struct>
qv_status read_versioned(const Struct* in, uint32_t v1_size, size_t v1_end, const char* what,
                         const char* init_call, Struct& out) {
  if (in->struct_size == sizeof(Struct)) {
    out = *in;
    return QV_OK;
  }
  if (in->struct_size == v1_size) {
    std::memcpy(static_cast<void*>(&out), in, v1_end);
    out.struct_size = sizeof(Struct);
    return QV_OK;
  }
  return invalid(std::string(what) + ".struct_size is " + std::to_string(in->struct_size) +
                 ", expected " + std::to_string(sizeof(Struct)) + " (or " +
                 std::to_string(v1_size) +
                 " from a Quiver 0.1 header); initialise the struct with " + init_call);
}

}  // namespace quiver::capi
