// Which entry of a translation unit's HWY_EXPORT tables to call. Include it
// only inside `#if HWY_ONCE` of a file that re-includes itself through
// hwy/foreach_target.h: the answers depend on the SIMD targets that file
// compiled (HWY_TARGETS), which may differ between files, so everything here
// has internal linkage.
#pragma once

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>

namespace quiver::kernels {
namespace {

#if HWY_IDE || ((HWY_TARGETS & (HWY_TARGETS - 1)) == 0)
// A single target compiled in (e.g. -march=native): the tables have one entry.
size_t ChosenIndex() { return 0; }
int64_t UsableIndices() { return 1; }
#else
// Index of the best target of this CPU in the HWY_EXPORT tables, resolved on
// first use (thread-safe static init). Entry 0 of each table is Highway's
// lazy-initialising trampoline, which we never hand out.
size_t ChosenIndex() {
  static const size_t index = [] {
    hwy::ChosenTarget& chosen = hwy::GetChosenTarget();
    if (!chosen.IsInitialized()) chosen.Update(hwy::SupportedTargets());
    return chosen.GetIndex();
  }();
  return index;
}
// Bit i set: table entry i is compiled in and this CPU can run it.
int64_t UsableIndices() {
  return (HWY_CHOSEN_TARGET_SHIFT(hwy::SupportedTargets()) | HWY_CHOSEN_TARGET_MASK_SCALAR) &
         HWY_CHOSEN_TARGET_MASK_TARGETS & ~int64_t{1};
}
#endif

// Writes make(index) for every table entry this CPU can run, the chosen one
// first, to out[0..max); returns how many there are (may exceed max).
template <typename Entry, typename Make>
size_t EntriesForAllTargets(Entry* out, size_t max, Make make) {
  const size_t chosen = ChosenIndex();
  size_t count = 0;
  if (count < max) out[count] = make(chosen);
  ++count;
  const int64_t usable = UsableIndices();
  for (size_t i = 0; i < 64; ++i) {
    if (i == chosen || ((usable >> i) & 1) == 0) continue;
    if (count < max) out[count] = make(i);
    ++count;
  }
  return count;
}

}  // namespace
}  // namespace quiver::kernels
