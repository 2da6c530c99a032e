#pragma once
// A scansion script (.scs): clients, then actions. See ../shared/docs/scansion.md.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "model/xml.hpp"

namespace mucsim::traces {

struct ClientProperty {
    std::string key;
    std::string value;
    bool operator==(const ClientProperty&) const = default;
};

struct ClientDecl {
    std::string name;
    std::vector<ClientProperty> properties;
    int line = 0;  // of the "[Client] Name" line

    // The value of a property, or "" when absent.
    std::string_view property(std::string_view key) const;
    bool operator==(const ClientDecl& other) const {
        return name == other.name && properties == other.properties;
    }
};

enum class ActionKind { connects, disconnects, sends, receives, receives_nothing };

std::string_view action_verb(ActionKind kind);

struct Action {
    ActionKind kind = ActionKind::connects;
    std::string client;
    // For sends and receives: the stanza as written, ${variables} unexpanded.
    std::optional<model::Element> stanza;
    // Comment lines (without their marker) that stood just before the action.
    std::vector<std::string> comments;
    int line = 0;  // of the "NAME verb" line

    bool operator==(const Action& other) const {
        return kind == other.kind && client == other.client && stanza == other.stanza &&
               comments == other.comments;
    }
};

struct Script {
    std::vector<std::string> title;  // the leading comment lines
    std::vector<ClientDecl> clients;
    std::vector<Action> actions;
    std::vector<std::string> trailer;  // comments after the last action

    const ClientDecl* client(std::string_view name) const;
    bool operator==(const Script& other) const = default;
};

// An error in a script: FILE:LINE: message.
struct ScriptError {
    std::string file;
    int line = 0;
    std::string message;

    std::string str() const;
};

// Parses a script; `file` names it in errors. Checks that every action names a
// declared client and every ${variable} names a declared client.
model::Result<Script, ScriptError> parse_script(std::string_view text, std::string_view file);
model::Result<Script, ScriptError> read_script(const std::string& path);

// Writes a script in the shape Prosody's recorder uses: tabs, one blank line
// between actions. parse_script(write_script(s)) == s.
std::string write_script(const Script& script);

// The namespace scansion's own attributes (scansion:strict) live in.
inline constexpr std::string_view scansion_ns = "https://matthewwild.co.uk/projects/scansion";

// Options for parsing a stanza as scansion writes them: jabber:client by
// default, the scansion: prefix predeclared.
model::ParseOptions stanza_parse_options();

}  // namespace mucsim::traces
