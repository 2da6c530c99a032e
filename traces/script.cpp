#include "traces/script.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "model/namespaces.hpp"
#include "traces/variables.hpp"

namespace mucsim::traces {

namespace {

using model::Result;

constexpr std::size_t script_bytes_max = 16 << 20;
constexpr std::size_t actions_max = 100000;

struct Line {
    std::string_view text;
    int number = 0;
};

std::string_view trim(std::string_view text) {
    std::size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    std::size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

bool is_indented(std::string_view text) { return !text.empty() && (text[0] == '\t' || text[0] == ' '); }
bool is_blank(std::string_view text) { return trim(text).empty(); }

bool is_dashes(std::string_view text) {
    std::string_view t = trim(text);
    return t.size() >= 3 && std::all_of(t.begin(), t.end(), [](char c) { return c == '-'; });
}

// A comment's text without its marker, or nullopt when the line is no comment.
std::optional<std::string> comment_text(std::string_view text) {
    if (is_indented(text) || is_dashes(text)) return std::nullopt;
    std::string_view rest;
    if (text.starts_with('#')) {
        rest = text.substr(1);
    } else if (text.starts_with("//") || text.starts_with("--")) {
        rest = text.substr(2);
    } else {
        return std::nullopt;
    }
    if (rest.starts_with(' ')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
    return std::string(rest);
}

std::vector<Line> split_lines(std::string_view text) {
    std::vector<Line> lines;
    int number = 1;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back({line, number++});
        pos = end + 1;
    }
    if (!lines.empty() && lines.back().text.empty()) lines.pop_back();
    return lines;
}

// Binary data and broken UTF-8 are refused before anything else looks at them.
std::optional<std::string> check_text(std::string_view text, int& line) {
    line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') ++line;
        if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
            return fmt::format("binary data (byte 0x{:02x}): a script must be text", c);
        }
        if (c < 0x80) continue;
        int extra = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0) return "invalid UTF-8: a script must be UTF-8 text";
        for (int k = 1; k <= extra; ++k) {
            if (i + static_cast<std::size_t>(k) >= text.size() ||
                (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80) {
                return "invalid UTF-8: a script must be UTF-8 text";
            }
        }
        i += static_cast<std::size_t>(extra);
    }
    return std::nullopt;
}

struct Verb {
    std::string_view suffix;
    ActionKind kind;
};

// Longest first, so that "receives: nothing" wins over "receives:".
constexpr std::array<Verb, 8> verbs{{
    {" receives: nothing", ActionKind::receives_nothing},
    {" receives nothing", ActionKind::receives_nothing},
    {" disconnects", ActionKind::disconnects},
    {" connects", ActionKind::connects},
    {" receives:", ActionKind::receives},
    {" receives", ActionKind::receives},
    {" sends:", ActionKind::sends},
    {" sends", ActionKind::sends},
}};

class Parser {
public:
    Parser(std::string_view text, std::string_view file) : file_(file), lines_(split_lines(text)) {}

    Result<Script, ScriptError> parse() {
        std::size_t i = 0;
        if (auto error = parse_header(i)) return *error;
        if (auto error = parse_actions(i)) return *error;
        return std::move(script_);
    }

private:
    ScriptError error(int line, std::string message) const { return {file_, line, std::move(message)}; }

    std::optional<ScriptError> parse_header(std::size_t& i) {
        bool seen_client = false;
        for (; i < lines_.size(); ++i) {
            const Line& line = lines_[i];
            if (is_blank(line.text)) continue;
            if (is_dashes(line.text)) {
                ++i;
                if (script_.clients.empty()) return error(line.number, "no [Client] declared before the ----- line");
                return std::nullopt;
            }
            if (auto comment = comment_text(line.text)) {
                if (!seen_client) script_.title.push_back(std::move(*comment));
                continue;
            }
            if (is_indented(line.text)) {
                if (script_.clients.empty()) {
                    return error(line.number, fmt::format("expected '[Client] NAME', found the indented line '{}'",
                                                          trim(line.text)));
                }
                if (auto e = parse_property(line)) return e;
                continue;
            }
            if (line.text.starts_with('[')) {
                if (auto e = parse_object(line)) return e;
                seen_client = true;
                continue;
            }
            return error(line.number,
                         fmt::format("expected '[Client] NAME' or the ----- line that ends the header, found '{}'",
                                     trim(line.text)));
        }
        int last = lines_.empty() ? 1 : lines_.back().number;
        if (script_.clients.empty()) {
            return error(last, "empty script: expected '[Client] NAME' declarations, a ----- line, then actions");
        }
        return error(last, "no ----- line after the [Client] declarations");
    }

    std::optional<ScriptError> parse_object(const Line& line) {
        std::string_view text = trim(line.text);
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) return error(line.number, "expected '[Client] NAME': missing ']'");
        std::string_view kind = trim(text.substr(1, close - 1));
        std::string_view name = trim(text.substr(close + 1));
        if (kind != "Client") {
            return error(line.number, fmt::format("unknown object '[{}]': only [Client] is supported", kind));
        }
        if (name.empty()) return error(line.number, "[Client] needs a name");
        if (name.find_first_of("${}") != std::string_view::npos) {
            return error(line.number, fmt::format("client name '{}' may not contain '$', '{{' or '}}'", name));
        }
        if (script_.client(name)) return error(line.number, fmt::format("client '{}' is declared twice", name));
        script_.clients.push_back({std::string(name), {}, line.number});
        return std::nullopt;
    }

    std::optional<ScriptError> parse_property(const Line& line) {
        std::string_view text = trim(line.text);
        std::size_t colon = text.find(':');
        if (colon == std::string_view::npos) {
            return error(line.number, fmt::format("expected 'key: value' in a client block, found '{}'", text));
        }
        std::string_view key = trim(text.substr(0, colon));
        std::string_view value = trim(text.substr(colon + 1));
        if (key.empty()) return error(line.number, "a client property needs a key");
        ClientDecl& client = script_.clients.back();
        if (!client.property(key).empty()) {
            return error(line.number, fmt::format("property '{}' is set twice for '{}'", key, client.name));
        }
        client.properties.push_back({std::string(key), std::string(value)});
        return std::nullopt;
    }

    std::optional<ScriptError> check_clients() const {
        for (const ClientDecl& client : script_.clients) {
            if (client.property("jid").empty()) {
                return error(client.line, fmt::format("client '{}' has no 'jid' property", client.name));
            }
        }
        return std::nullopt;
    }

    std::optional<ScriptError> parse_actions(std::size_t& i) {
        if (auto e = check_clients()) return e;
        std::vector<std::string> comments;
        while (i < lines_.size()) {
            const Line& line = lines_[i];
            if (is_blank(line.text)) {
                ++i;
                continue;
            }
            if (auto comment = comment_text(line.text)) {
                comments.push_back(std::move(*comment));
                ++i;
                continue;
            }
            if (is_indented(line.text)) {
                return error(line.number, fmt::format("indented text '{}' belongs to no 'sends:' or 'receives:'",
                                                      trim(line.text)));
            }
            if (script_.actions.size() >= actions_max) {
                return error(line.number, fmt::format("more than {} actions", actions_max));
            }
            auto action = parse_action(i);
            if (!action) return action.error();
            action->comments = std::move(comments);
            comments.clear();
            script_.actions.push_back(std::move(action).value());
        }
        script_.trailer = std::move(comments);
        return std::nullopt;
    }

    Result<Action, ScriptError> parse_action(std::size_t& i) {
        const Line& line = lines_[i];
        std::string_view text = trim(line.text);
        Action action;
        action.line = line.number;
        bool known = false;
        for (const Verb& verb : verbs) {
            if (text.ends_with(verb.suffix)) {
                action.kind = verb.kind;
                action.client = trim(text.substr(0, text.size() - verb.suffix.size()));
                known = true;
                break;
            }
        }
        if (!known) return unknown_action(line);
        if (!script_.client(action.client)) {
            return error(line.number, fmt::format("action names '{}', which is not a declared [Client]", action.client));
        }
        ++i;
        std::size_t block_begin = i;
        while (i < lines_.size() && (is_indented(lines_[i].text) || is_blank(lines_[i].text))) ++i;
        bool needs_stanza = action.kind == ActionKind::sends || action.kind == ActionKind::receives;
        bool has_block = false;
        for (std::size_t k = block_begin; k < i; ++k) has_block = has_block || !is_blank(lines_[k].text);
        if (needs_stanza && !has_block) {
            return error(line.number,
                         fmt::format("expected an indented stanza after '{} {}'", action.client, action_verb(action.kind)));
        }
        if (!needs_stanza && has_block) {
            const Line& first = *std::find_if(lines_.begin() + static_cast<std::ptrdiff_t>(block_begin),
                                              lines_.begin() + static_cast<std::ptrdiff_t>(i),
                                              [](const Line& l) { return !is_blank(l.text); });
            return error(first.number,
                         fmt::format("'{}' takes no stanza, found indented text '{}'", action_verb(action.kind),
                                     trim(first.text)));
        }
        if (!needs_stanza) return action;
        auto stanza = parse_block(block_begin, i);
        if (!stanza) return stanza.error();
        action.stanza = std::move(stanza).value();
        return action;
    }

    ScriptError unknown_action(const Line& line) const {
        std::string_view text = trim(line.text);
        for (const ClientDecl& client : script_.clients) {
            if (text.starts_with(client.name) && text.size() > client.name.size() && text[client.name.size()] == ' ') {
                return error(line.number,
                             fmt::format("unknown action '{}' for '{}': expected connects, disconnects, sends:, "
                                         "receives: or receives: nothing",
                                         trim(text.substr(client.name.size())), client.name));
            }
        }
        return error(line.number, fmt::format("expected an action 'NAME connects|disconnects|sends:|receives:', "
                                              "found '{}'",
                                              text));
    }

    Result<model::Element, ScriptError> parse_block(std::size_t begin, std::size_t end) {
        std::string xml;
        for (std::size_t k = begin; k < end; ++k) {
            xml.append(lines_[k].text);
            xml += '\n';
        }
        int first_line = lines_[begin].number;
        auto element = model::parse_xml(xml, stanza_parse_options());
        if (!element) {
            return error(first_line + element.error().line - 1, element.error().message);
        }
        for (const std::string& inside : variables_in(*element)) {
            auto ref = parse_variable(inside);
            int at = line_of(begin, end, "${" + inside + "}");
            if (!ref) return error(at, ref.error());
            if (!script_.client(ref->client)) {
                return error(at, fmt::format("undefined variable '${{{}}}': no client named '{}'", inside, ref->client));
            }
        }
        return std::move(element).value();
    }

    int line_of(std::size_t begin, std::size_t end, std::string_view needle) const {
        for (std::size_t k = begin; k < end; ++k) {
            if (lines_[k].text.find(needle) != std::string_view::npos) return lines_[k].number;
        }
        return lines_[begin].number;
    }

    std::string file_;
    std::vector<Line> lines_;
    Script script_;
};

}  // namespace

std::string_view ClientDecl::property(std::string_view key) const {
    for (const ClientProperty& p : properties) {
        if (p.key == key) return p.value;
    }
    return {};
}

std::string_view action_verb(ActionKind kind) {
    switch (kind) {
        case ActionKind::connects: return "connects";
        case ActionKind::disconnects: return "disconnects";
        case ActionKind::sends: return "sends:";
        case ActionKind::receives: return "receives:";
        case ActionKind::receives_nothing: return "receives: nothing";
    }
    assert(false);
    return "";
}

const ClientDecl* Script::client(std::string_view name) const {
    for (const ClientDecl& c : clients) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

std::string ScriptError::str() const { return fmt::format("{}:{}: {}", file, line, message); }

model::ParseOptions stanza_parse_options() {
    model::ParseOptions options;
    options.default_ns = std::string(model::ns::client);
    options.predeclared_prefixes = {{"scansion", std::string(scansion_ns)}};
    return options;
}

Result<Script, ScriptError> parse_script(std::string_view text, std::string_view file) {
    if (text.size() > script_bytes_max) {
        return ScriptError{std::string(file), 1,
                           fmt::format("script of {} bytes exceeds the limit of {} bytes", text.size(), script_bytes_max)};
    }
    int bad_line = 0;
    if (auto problem = check_text(text, bad_line)) return ScriptError{std::string(file), bad_line, *problem};
    if (is_blank(text)) {
        return ScriptError{std::string(file), 1,
                           "empty script: expected '[Client] NAME' declarations, a ----- line, then actions"};
    }
    return Parser(text, file).parse();
}

Result<Script, ScriptError> read_script(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return ScriptError{path, 0, "is a directory, not a script"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return ScriptError{path, 0, fmt::format("cannot open: {}", std::strerror(errno))};
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return ScriptError{path, 0, "read error"};
    return parse_script(content.str(), path);
}

std::string write_script(const Script& script) {
    std::string out;
    for (const std::string& line : script.title) out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
    if (!script.title.empty()) out += '\n';
    for (const ClientDecl& client : script.clients) {
        out += fmt::format("[Client] {}\n", client.name);
        for (const ClientProperty& p : client.properties) out += fmt::format("\t{}: {}\n", p.key, p.value);
        out += '\n';
    }
    out += "-----\n\n";
    for (const Action& action : script.actions) {
        for (const std::string& line : action.comments) out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
        out += fmt::format("{} {}\n", action.client, action_verb(action.kind));
        if (action.stanza) {
            out += model::pretty(*action.stanza, model::ns::client, 1);
            out += '\n';
        }
        out += '\n';
    }
    for (const std::string& line : script.trailer) out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
    return out;
}

}  // namespace mucsim::traces
