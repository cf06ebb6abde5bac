#include "plot.h"

#include <cstdlib>
#include <fstream>

namespace qvb {

namespace {

// gnuplot single-quoted string: only ' needs escaping (doubled).
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// POSIX shell single-quoted word.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool plot_recall_qps(const BenchResult& r, const std::string& gp_path, const std::string& png_path,
                     std::string* msg) {
  std::ofstream gp(gp_path);
  if (!gp) {
    *msg = "cannot write " + gp_path;
    return false;
  }
  const std::string nt = std::to_string(r.cfg.threads) + " threads (batch)";
  // gnuplot datablock names take letters, digits and '_' only ("quiver-f16").
  auto block = [](std::string name) {
    for (char& ch : name)
      if (ch == '-') ch = '_';
    return "$" + name;
  };
  // One datablock per engine and mode: recall qps ef.
  for (const auto& e : r.engines) {
    for (int mt = 0; mt < 2; ++mt) {
      gp << block(e.engine) << (mt ? "_nt" : "_1t") << " << EOD\n";
      for (const auto& p : e.sweep)
        gp << (mt ? p.recall_nt : p.recall_1t) << ' ' << (mt ? p.qps_nt : p.qps_1t) << ' ' << p.ef
           << '\n';
      gp << "EOD\n";
    }
  }
  for (const auto& p : r.flat.points) {
    bool single_panel = p.mode == "single" && p.threads == 1;
    bool batch_panel = p.mode == "batch" && p.threads == r.cfg.threads && r.cfg.threads > 1;
    if (!single_panel && !batch_panel) continue;
    gp << "$flat_" << p.engine << (single_panel ? "_1t" : "_nt") << " << EOD\n"
       << p.recall << ' ' << p.qps << "\nEOD\n";
  }
  gp << "set terminal pngcairo noenhanced size 1400,600 font 'sans,10'\n"
     << "set output " << quote(png_path) << "\n"
     << "set multiplot layout 1,2 title "
     << quote(r.dataset + ": recall@" + std::to_string(r.cfg.k) +
              " vs QPS  (n=" + std::to_string(r.n) + ", dim=" + std::to_string(r.dim) +
              ", M=" + std::to_string(r.cfg.engine.M) +
              ", efC=" + std::to_string(r.cfg.engine.ef_construction) + ", " + r.sys.date_utc + ")")
     << "\n"
     << "set logscale y\nset grid\nset key bottom left\nset xlabel 'recall@" << r.cfg.k
     << "'\nset ylabel 'queries per second (log)'\nset xrange [*:1.002]\n";
  auto color = [](const std::string& engine) {
    return engine == "quiver"       ? "#d62728"
           : engine == "quiver-f16" ? "#ff7f0e"
           : engine == "quiver-i8"  ? "#9467bd"
           : engine == "quiver-b1"  ? "#8c564b"
           : engine == "hnswlib"    ? "#1f77b4"
           : engine == "faiss"      ? "#2ca02c"
           : engine == "faiss-sq8"  ? "#17becf"
                                    : "#7f7f7f";
  };
  for (int mt = 0; mt < 2; ++mt) {
    gp << "set title " << quote(mt ? nt : std::string("1 thread, one query per call")) << "\nplot ";
    bool first = true;
    for (const auto& e : r.engines) {
      if (e.sweep.empty()) continue;
      gp << (first ? "" : ", \\\n     ") << block(e.engine) << (mt ? "_nt" : "_1t")
         << " using 1:2 with linespoints lw 2 pt 7 lc rgb '" << color(e.engine) << "' title "
         << quote(e.engine + " HNSW");
      first = false;
    }
    for (const auto& p : r.flat.points) {
      bool single_panel = p.mode == "single" && p.threads == 1;
      bool batch_panel = p.mode == "batch" && p.threads == r.cfg.threads && r.cfg.threads > 1;
      if ((mt == 0 && !single_panel) || (mt == 1 && !batch_panel)) continue;
      gp << (first ? "" : ", \\\n     ") << "$flat_" << p.engine << (mt ? "_nt" : "_1t")
         << " using 1:2 with points pt " << (p.engine == "quiver" ? 5 : 9) << " ps 1.5 lc rgb '"
         << color(p.engine) << "' title " << quote(p.engine + " flat (exact)");
      first = false;
    }
    if (first) gp << "NaN notitle";
    gp << "\n";
  }
  gp << "unset multiplot\n";
  gp.close();

  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    *msg = "gnuplot not found: skipped the plot (script left in " + gp_path + ")";
    return false;
  }
  std::string cmd = "gnuplot " + shell_quote(gp_path);
  if (std::system(cmd.c_str()) != 0) {
    *msg = "gnuplot failed on " + gp_path;
    return false;
  }
  *msg = "plot: " + png_path;
  return true;
}

}  // namespace qvb
