#pragma once
// The explored state graph in Boost.Graph, written for Graphviz. Boost stays
// in state_graph.cpp: this header is light.

#include <string>

#include "properties/explorer.hpp"

namespace mucsim::properties {

struct GraphSummary {
    std::size_t vertices = 0;
    std::size_t edges = 0;
    std::size_t violating_edges = 0;
};

// Builds the boost::adjacency_list of the abstract graph and writes it with
// boost::write_graphviz: vertex labels show the abstract state, edge labels
// the action; the initial state is marked; violating transitions are red.
std::string graph_to_dot(const AbstractGraph& graph, const std::string& title, GraphSummary* summary = nullptr);

}  // namespace mucsim::properties
