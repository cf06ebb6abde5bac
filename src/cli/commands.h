// The quiver sub-commands. Each takes the arguments after its name and
// returns the process exit code; failures throw CliError or UsageError.
#pragma once

#include <string>

#include "quiver/quiver.h"

namespace quiver::cli {

int cmd_demo(int argc, char** argv);
int cmd_build(int argc, char** argv);
int cmd_search(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_ingest(int argc, char** argv);
int cmd_ask(int argc, char** argv);

// The text half of quiver demo (after the vector half).
void demo_text(bool quiet);

// A failure to report as one line "quiver: <message>" with exit code 1.
struct CliError {
  std::string message;
};

// Throws CliError with `what` and qv_last_error() when status is not QV_OK.
void check(qv_status status, const std::string& what);

// The first existing directory of: $env_var, `relative` (to the current
// directory), `built_in` (nullptr: none); "" if none exists.
std::string find_dir(const char* env_var, const char* relative, const char* built_in);

// Where the shared real datasets live: $QUIVER_DATA_DIR, else ../shared/data
// from the current directory, else the one beside the source tree; "" if none.
std::string find_data_dir();

}  // namespace quiver::cli
