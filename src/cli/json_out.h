// Minimal JSON output for --json: strings escaped as RFC 8259 asks, with
// bytes that are not valid UTF-8 written as U+FFFD (a JSON text is UTF-8).
#pragma once

#include <string>
#include <string_view>

namespace quiver::cli {

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

}  // namespace quiver::cli
