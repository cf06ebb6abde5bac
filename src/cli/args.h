// Command-line arguments of one quiver sub-command: positionals and
// --flag value / --flag=value / boolean --flag.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace quiver::cli {

class Args {
 public:
  // `boolean_flags` take no value. Throws UsageError on an unknown flag.
  Args(int argc, char** argv, const std::set<std::string>& value_flags,
       const std::set<std::string>& boolean_flags);

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& flag) const;
  std::string get(const std::string& flag, const std::string& fallback = "") const;
  // Parses an unsigned integer; throws UsageError naming the flag when it is not one.
  unsigned long long get_uint(const std::string& flag, unsigned long long fallback) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
  std::set<std::string> present_;
};

// How the user writes a flag: "-k" for a one-letter name, "--limit" otherwise.
std::string option_name(const std::string& flag);

// A mistake in how the command was called: printed with a hint, exit code 2.
struct UsageError {
  std::string message;
};

}  // namespace quiver::cli
