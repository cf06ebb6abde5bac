#include "sysinfo.h"

#include <sys/utsname.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "thread_pool.h"

namespace qvb {

namespace {

std::string utc_now(const char* fmt) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

}  // namespace

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "?";
  return a + " " + b + " " + c;
}

std::string file_timestamp() { return utc_now("%Y%m%d-%H%M%S"); }

SystemInfo collect_system_info() {
  SystemInfo info;
  info.logical_cpus = hardware_threads();
  info.date_utc = utc_now("%Y-%m-%dT%H:%M:%SZ");
  if (const char* p = std::getenv("OMP_WAIT_POLICY")) info.omp_wait_policy = p;

  std::ifstream cpu("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(cpu, line)) {
    auto value = [&] {
      auto p = line.find(':');
      return p == std::string::npos ? std::string()
                                    : line.substr(line.find_first_not_of(" \t", p + 1));
    };
    if (info.cpu_model.empty() && line.rfind("model name", 0) == 0) info.cpu_model = value();
    if (flags.empty() && line.rfind("flags", 0) == 0) flags.append(" ").append(value()).append(" ");
  }
  for (const char* f : {"avx512f", "avx2", "avx", "sse4_2"}) {
    if (flags.find(std::string(" ") + f + " ") != std::string::npos) {
      info.simd = f;
      if (info.simd == "avx2" && flags.find(" fma ") != std::string::npos) info.simd += "+fma";
      break;
    }
  }

  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      std::istringstream in(line.substr(9));
      double kib = 0;
      in >> kib;
      info.mem_total_gib = kib / (1024.0 * 1024.0);
      break;
    }
  }

  struct utsname u {};
  if (uname(&u) == 0) info.kernel = std::string(u.sysname) + " " + u.release;

#if defined(__clang__)
  info.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  info.compiler = "gcc " __VERSION__;
#else
  info.compiler = "unknown";
#endif
  return info;
}

}  // namespace qvb
