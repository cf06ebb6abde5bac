// Process memory, for the "RSS delta around build" figure.
#pragma once

#include <cstddef>

namespace qvb {

// Resident set size now, from /proc/self/statm (0 if unreadable).
size_t current_rss_bytes();

// Peak resident set size of the process so far (getrusage ru_maxrss).
size_t peak_rss_bytes();

// Hands freed heap memory back to the OS (malloc_trim) so that the next RSS
// delta is not hidden by pages the allocator kept from an earlier index.
void release_free_heap();

}  // namespace qvb
