// quiver: command-line front end of the Quiver vector search engine.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "core/error.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
  const char* alias = nullptr;  // another name for the same command
};

const Command kCommands[] = {
    {"build", quiver::cli::cmd_build, "build an index from .fvecs/.bvecs/.npy vectors and save it"},
    {"search", quiver::cli::cmd_search, "search a saved index; with --groundtruth, report recall"},
    {"info", quiver::cli::cmd_info, "describe a saved index (also: quiver inspect)", "inspect"},
    {"export", quiver::cli::cmd_export, "write a saved index's vectors and keys as .npy files"},
    {"ingest", quiver::cli::cmd_ingest, "add text files to an index (offline embedder by default)"},
    {"ask", quiver::cli::cmd_ask, "search an index by text: best documents and matching passages"},
    {"demo", quiver::cli::cmd_demo,
     "vectors: recall and QPS on real data; text: ingest and ask over a corpus"},
};

void print_usage(FILE* out) {
  std::fprintf(out, "usage: quiver <command> [options]   (quiver <command> --help for more)\n\n");
  std::fprintf(out, "commands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
  std::fprintf(out, "\nquiver --version prints the library version.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::printf("quiver %s\n", qv_version());
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name != c.name && !(c.alias && name == c.alias)) continue;
    // Messages name the command as the user typed it (an alias too).
    const char* typed = name.c_str();
    try {
      return c.run(argc - 2, argv + 2);
    } catch (const quiver::cli::UsageError& e) {
      std::fprintf(stderr, "quiver %s: %s (see quiver %s --help)\n", typed, e.message.c_str(),
                   typed);
      return 2;
    } catch (const quiver::cli::CliError& e) {
      std::fprintf(stderr, "quiver %s: %s\n", typed, e.message.c_str());
      return 1;
    } catch (const quiver::Error& e) {
      std::fprintf(stderr, "quiver %s: %s\n", typed, e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "quiver %s: %s\n", typed, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "quiver: unknown command '%s'\n\n", name.c_str());
  print_usage(stderr);
  return 2;
}
