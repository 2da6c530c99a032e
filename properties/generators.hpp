#pragma once
// RapidCheck generators of programs. Small and composable: a cast of
// clients, an opening (someone creates and unlocks the room), then actions
// drawn with weights that favour where MUC bugs live (joins racing
// affiliation changes, changes of users not yet or no longer in the room,
// members-only and whois switches, concurrent admin actions, drops), and a
// choice sequence that shrinks towards zeros.
//
// This header pulls in RapidCheck: include it only where generators are used.

#include <rapidcheck.h>

#include "sim/program.hpp"

namespace mucsim::properties {

struct GeneratorOptions {
    int clients_min = 2;
    int clients_max = 4;
    int actions_max = 30;      // after the opening
    int faults_max = 0;        // fault budget given to generated programs
    std::string room = "room";
};

rc::Gen<sim::ProgramAction> gen_action(const GeneratorOptions& options, int clients);
rc::Gen<std::vector<std::uint32_t>> gen_choices(std::size_t length_max);
rc::Gen<sim::Program> gen_program(const GeneratorOptions& options);

}  // namespace mucsim::properties
