// mucsim run: run one program with its choice sequence.

#include <fmt/format.h>

#include <cstring>
#include <fstream>

#include "sim/program.hpp"
#include "tools/commands.hpp"
#include "tools/terminal.hpp"
#include "traces/export.hpp"

namespace mucsim::tools {

int write_text_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        print_error("cannot write {}: {}", path, std::strerror(errno));
        return exit_usage;
    }
    out << content;
    out.close();
    if (!out) {
        print_error("error writing {}", path);
        return exit_usage;
    }
    return exit_ok;
}

int run_command(const RunOptions& options) {
    auto program = sim::read_program(options.file);
    if (!program) {
        fmt::print(stderr, "{}\n", program.error().str());
        return exit_usage;
    }
    if (options.choices) program->choices = *options.choices;
    sim::WorldConfig config;
    config.server.muc.faults = options.inject;
    sim::World world = sim::load_program(*program, config);
    sim::ChoiceSequence sequence(program->choices);
    world.run_until_quiet(sequence);

    std::size_t delivered = 0;
    for (std::size_t i = 0; i < world.client_count(); ++i) delivered += world.client(static_cast<int>(i)).received_total;
    if (options.trace) fmt::print("{}", world.trace().str());
    fmt::print("{}: {} clients, {} actions, fault budget {}\n", options.file, program->clients.size(),
               program->actions.size(), program->faults_max);
    fmt::print("steps {}, deliveries {}, virtual time {} s, choices taken [{}]\n", world.steps(), delivered,
               (world.now_ms() - config.start_ms) / 1000, sim::format_choices(sequence.taken()));
    if (!options.export_file.empty()) {
        traces::ExportOptions export_options;
        export_options.title = {fmt::format("mucsim run {}", options.file)};
        traces::Script script = traces::export_script(world.trace(), export_options);
        if (int rc = write_text_file(options.export_file, traces::write_script(script)); rc != exit_ok) return rc;
        fmt::print("wrote {} ({} actions)\n", options.export_file, script.actions.size());
    }
    return exit_ok;
}

}  // namespace mucsim::tools
