#include "cli/args.h"

#include <cerrno>
#include <cstdlib>

namespace quiver::cli {

Args::Args(int argc, char** argv, const std::set<std::string>& value_flags,
           const std::set<std::string>& boolean_flags) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() < 2 || a[0] != '-' || a == "-") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (name == "o") name = "output";
    if (boolean_flags.count(name)) {
      if (inline_value) throw UsageError{"--" + name + " takes no value"};
      present_.insert(name);
    } else if (value_flags.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argc) throw UsageError{"--" + name + " needs a value"};
        value = argv[++i];
      }
      values_[name] = value;
      present_.insert(name);
    } else {
      throw UsageError{"unknown option '" + a + "'"};
    }
  }
}

std::string option_name(const std::string& flag) { return (flag.size() == 1 ? "-" : "--") + flag; }

bool Args::has(const std::string& flag) const { return present_.count(flag) != 0; }

std::string Args::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

unsigned long long Args::get_uint(const std::string& flag, unsigned long long fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || v[0] == '-' || *end != '\0' || errno == ERANGE)
    throw UsageError{option_name(flag) + " expects a whole number, got '" + v + "'"};
  return n;
}

}  // namespace quiver::cli
