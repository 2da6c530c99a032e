#pragma once
// Output helpers: colour only on a terminal, errors on stderr.

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

namespace mucsim::tools {

bool stdout_is_terminal();
bool stderr_is_terminal();

// "PASS" in green, "FAIL" in red, when stdout is a terminal.
std::string pass_label();
std::string fail_label();
std::string bold(std::string_view text);

template <class... Args>
void print_error(fmt::format_string<Args...> format, Args&&... args) {
    std::fputs("mucsim: error: ", stderr);
    std::fputs(fmt::format(format, std::forward<Args>(args)...).c_str(), stderr);
    std::fputc('\n', stderr);
}

}  // namespace mucsim::tools
