#include "properties/state_graph.hpp"

// Boost.Graph's edge iterator trips GCC 12's maybe-uninitialized analysis
// once inlined (a known false positive); the warning is off in this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <fmt/format.h>

#include <cassert>
#include <sstream>

namespace mucsim::properties {

namespace {

struct VertexData {
    std::string label;
    bool initial = false;
};

struct EdgeData {
    std::string label;
    bool violating = false;
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexData, EdgeData>;

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

Graph build(const AbstractGraph& abstract) {
    Graph graph(abstract.states.size());
    for (std::size_t v = 0; v < abstract.states.size(); ++v) {
        graph[v].label = abstract.states[v].label;
        graph[v].initial = v == 0;
    }
    for (const AbstractEdge& e : abstract.edges) {
        assert(e.from < abstract.states.size() && e.to < abstract.states.size());
        boost::add_edge(e.from, e.to, EdgeData{e.label, e.violating}, graph);
    }
    return graph;
}

}  // namespace

std::string graph_to_dot(const AbstractGraph& abstract, const std::string& title, GraphSummary* summary) {
    Graph graph = build(abstract);
    auto vertex_writer = [&](std::ostream& out, Graph::vertex_descriptor v) {
        const VertexData& d = graph[v];
        out << "[label=" << quoted(d.label) << (d.initial ? ", shape=doubleoctagon, style=bold" : ", shape=box")
            << "]";
    };
    auto edge_writer = [&](std::ostream& out, Graph::edge_descriptor e) {
        const EdgeData& d = graph[e];
        out << "[label=" << quoted(d.label);
        if (d.violating) out << ", color=red, fontcolor=red, penwidth=2";
        out << "]";
    };
    auto graph_writer = [&](std::ostream& out) {
        out << "label=" << quoted(title) << ";\nlabelloc=t;\nfontname=\"Helvetica\";\n"
            << "node [fontname=\"Helvetica\", fontsize=10];\nedge [fontname=\"Helvetica\", fontsize=9];\n"
            << "rankdir=LR;\n";
    };
    std::ostringstream out;
    boost::write_graphviz(out, graph, vertex_writer, edge_writer, graph_writer);
    if (summary) {
        summary->vertices = boost::num_vertices(graph);
        summary->edges = boost::num_edges(graph);
        summary->violating_edges = 0;
        for (const AbstractEdge& e : abstract.edges) summary->violating_edges += e.violating ? 1 : 0;
    }
    return out.str();
}

}  // namespace mucsim::properties
