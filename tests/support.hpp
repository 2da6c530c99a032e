#pragma once
// Helpers shared by the unit tests: paths, temporary files, running the CLI.

#include <filesystem>
#include <string>
#include <vector>

namespace mucsim::test {

std::filesystem::path shared_dir();
std::filesystem::path prosody_scripts_dir();
std::filesystem::path source_dir();
std::vector<std::filesystem::path> prosody_scripts();

std::string read_file(const std::filesystem::path& path);

// A directory removed when the test ends.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& content) const;

private:
    std::filesystem::path path_;
};

struct RunResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs the mucsim binary with these arguments (no shell involved).
RunResult run_mucsim(const std::vector<std::string>& args);

}  // namespace mucsim::test
