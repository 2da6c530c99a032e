#include "tools/terminal.hpp"

#include <unistd.h>

#include <cstdlib>

namespace mucsim::tools {

namespace {
bool colour_wanted(int fd) {
    if (std::getenv("NO_COLOR") != nullptr) return false;
    return isatty(fd) == 1;
}
}  // namespace

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

std::string pass_label() { return colour_wanted(STDOUT_FILENO) ? "\033[32mPASS\033[0m" : "PASS"; }
std::string fail_label() { return colour_wanted(STDOUT_FILENO) ? "\033[31mFAIL\033[0m" : "FAIL"; }
std::string bold(std::string_view text) {
    if (!colour_wanted(STDOUT_FILENO)) return std::string(text);
    return fmt::format("\033[1m{}\033[0m", text);
}

}  // namespace mucsim::tools
