#include "sim/program.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "model/namespaces.hpp"
#include "model/stringprep.hpp"

namespace mucsim::sim {

namespace {

constexpr std::size_t program_bytes_max = 4 << 20;
constexpr std::size_t actions_max = 10000;
constexpr std::size_t clients_max = 64;
constexpr std::size_t choices_max = 100000;
constexpr std::uint32_t history_stanzas_max = 1000000;

struct VerbInfo {
    Verb verb;
    std::string_view name;
};

constexpr VerbInfo verb_table[] = {
    {Verb::connect, "connect"},     {Verb::disconnect, "disconnect"}, {Verb::join, "join"},
    {Verb::leave, "leave"},         {Verb::nick, "nick"},             {Verb::presence, "presence"},
    {Verb::say, "say"},             {Verb::pm, "pm"},                 {Verb::subject, "subject"},
    {Verb::affiliation, "affiliation"}, {Verb::role, "role"},         {Verb::list, "list"},
    {Verb::config, "config"},       {Verb::register_nick, "register"}, {Verb::invite, "invite"},
    {Verb::destroy, "destroy"},     {Verb::affiliation_by_nick, "affiliation-by-nick"},
    {Verb::error_reply, "error"},   {Verb::voice, "voice"},           {Verb::disco_info, "disco-info"},
    {Verb::disco_items, "disco-items"},
};

constexpr std::string_view payload_names[] = {"muc-user", "muc-user-item", "subject", "delay", "ext"};

// The config forms that are not one option: `config ROOM instant|empty|cancel`.
bool is_whole_form(std::string_view option) { return option == "instant" || option == "empty" || option == "cancel"; }

// What a client makes up when it forges a muc#user item or a delay.
constexpr std::string_view forger_jid = "mallory@localhost";
constexpr std::string_view forged_stamp = "2002-09-10T23:08:25Z";

struct ConfigOption {
    std::string name;
    std::string field;  // the form field it sets
    enum class Kind { boolean, text, whois } kind;
};

const std::vector<ConfigOption>& option_table() {
    static const std::vector<ConfigOption> options{
        {"membersonly", "muc#roomconfig_membersonly", ConfigOption::Kind::boolean},
        {"moderated", "muc#roomconfig_moderatedroom", ConfigOption::Kind::boolean},
        {"whois", "muc#roomconfig_whois", ConfigOption::Kind::whois},
        {"password", "muc#roomconfig_roomsecret", ConfigOption::Kind::text},
        {"persistent", "muc#roomconfig_persistentroom", ConfigOption::Kind::boolean},
        {"public", "muc#roomconfig_publicroom", ConfigOption::Kind::boolean},
        {"changesubject", "muc#roomconfig_changesubject", ConfigOption::Kind::boolean},
        {"memberinvites", "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites",
         ConfigOption::Kind::boolean},
        {"name", "muc#roomconfig_roomname", ConfigOption::Kind::text},
        {"description", "muc#roomconfig_roomdesc", ConfigOption::Kind::text},
        {"historylength", "muc#roomconfig_historylength", ConfigOption::Kind::text},
    };
    return options;
}

const ConfigOption* find_option(std::string_view name) {
    for (const ConfigOption& o : option_table()) {
        if (o.name == name) return &o;
    }
    return nullptr;
}

// ------------------------------------------------------------------ tokens

struct Token {
    std::string text;
    bool quoted = false;
};

// Words separated by blanks; "quoted text" with \" and \\ escapes.
model::Result<std::vector<Token>, std::string> tokenize(std::string_view line) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
        if (line[i] == ' ' || line[i] == '\t') {
            ++i;
            continue;
        }
        Token token;
        if (line[i] == '"') {
            token.quoted = true;
            ++i;
            bool closed = false;
            while (i < line.size()) {
                char c = line[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\' && i < line.size()) c = line[i++];
                token.text += c;
            }
            if (!closed) return std::string("unterminated quoted text");
        } else {
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') token.text += line[i++];
        }
        tokens.push_back(std::move(token));
    }
    return tokens;
}

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

bool is_identifier(std::string_view name) {
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

// A word written bare when it can be, quoted otherwise. Non-ASCII text is
// quoted too: a nick of zero-width or other blank-looking characters is then
// seen to be one word.
std::string word(std::string_view text) {
    bool plain = !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return c == ' ' || c == '\t' || c == '"' || c == '\\' || u < 0x20 || u >= 0x7f;
    });
    return plain ? std::string(text) : quote(text);
}

// ------------------------------------------------------------------ parser

class ProgramParser {
public:
    ProgramParser(std::string_view text, std::string_view file) : text_(text), file_(file) {}

    model::Result<Program, ProgramError> parse() {
        std::size_t pos = 0;
        int number = 0;
        bool in_header = true;
        while (pos <= text_.size()) {
            std::size_t end = text_.find('\n', pos);
            if (end == std::string_view::npos) end = text_.size();
            std::string_view line = text_.substr(pos, end - pos);
            if (line.ends_with('\r')) line.remove_suffix(1);
            pos = end + 1;
            ++number;
            line_ = number;
            std::string_view trimmed = trim(line);
            if (trimmed.empty()) continue;
            if (trimmed.starts_with('#')) {
                // Carriage returns too: a comment is written back with one line end.
                std::string_view comment = trimmed.substr(1);
                std::size_t first = comment.find_first_not_of(" \t\r");
                std::size_t last = comment.find_last_not_of(" \t\r");
                comment = first == std::string_view::npos ? std::string_view() : comment.substr(first, last - first + 1);
                if (in_header && program_.clients.empty()) program_.comments.emplace_back(comment);
                continue;
            }
            std::optional<std::string> error;
            if (trimmed.find(':') != std::string_view::npos && !header_keyword(trimmed)) {
                in_header = false;
                error = parse_action(trimmed);
            } else {
                if (!in_header) error = "header lines (clients, faults, choices) must come before the actions";
                if (!error) error = parse_header(trimmed);
            }
            if (error) return ProgramError{file_, number, *error};
        }
        if (program_.clients.empty()) return ProgramError{file_, std::max(1, number), "no 'clients' line"};
        return std::move(program_);
    }

private:
    static std::string_view trim(std::string_view text) {
        std::size_t begin = text.find_first_not_of(" \t");
        if (begin == std::string_view::npos) return {};
        std::size_t last = text.find_last_not_of(" \t");
        return text.substr(begin, last - begin + 1);
    }

    static bool header_keyword(std::string_view line) {
        return line.starts_with("clients ") || line.starts_with("faults ") || line.starts_with("choices");
    }

    std::optional<std::string> parse_header(std::string_view line) {
        auto tokens = tokenize(line);
        if (!tokens) return tokens.error();
        const std::string& key = (*tokens)[0].text;
        if (key == "clients") return parse_clients(*tokens);
        if (key == "faults") {
            if (tokens->size() != 2) return std::string("expected 'faults N'");
            auto n = number((*tokens)[1].text, 1000);
            if (!n) return fmt::format("'faults' needs a number from 0 to 1000, found '{}'", (*tokens)[1].text);
            program_.faults_max = static_cast<int>(*n);
            return std::nullopt;
        }
        if (key == "choices") {
            for (std::size_t i = 1; i < tokens->size(); ++i) {
                auto n = number((*tokens)[i].text, 1u << 30);
                if (!n) return fmt::format("a choice is a small non-negative number, found '{}'", (*tokens)[i].text);
                if (program_.choices.size() >= choices_max) return fmt::format("more than {} choices", choices_max);
                program_.choices.push_back(*n);
            }
            return std::nullopt;
        }
        return fmt::format("unknown header '{}': expected clients, faults or choices (actions look like 'NAME: verb ...')",
                           key);
    }

    static std::optional<std::uint32_t> number(std::string_view text, std::uint32_t max) {
        std::uint32_t value = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || ptr != text.data() + text.size() || value > max) return std::nullopt;
        return value;
    }

    std::optional<std::string> parse_clients(const std::vector<Token>& tokens) {
        if (!program_.clients.empty()) return std::string("'clients' given twice");
        if (tokens.size() < 2) return std::string("expected 'clients NAME=JID ...'");
        for (std::size_t i = 1; i < tokens.size(); ++i) {
            std::string_view spec = tokens[i].text;
            std::size_t eq = spec.find('=');
            if (eq == std::string_view::npos) return fmt::format("expected NAME=JID, found '{}'", spec);
            std::string name(spec.substr(0, eq));
            if (!is_identifier(name)) return fmt::format("client name '{}' must be a word (letters, digits, _ or -)", name);
            auto jid = model::Jid::parse(spec.substr(eq + 1));
            if (!jid) return fmt::format("client {}: {}", name, jid.error().message);
            if (jid->node().empty()) return fmt::format("client {}: '{}' is not a user JID", name, jid->str());
            // Preparation can map a character to a space (U+00A8 to " \u0308"):
            // such a JID cannot be written on a clients line again.
            if (jid->str().find_first_of(" \t") != std::string::npos) {
                return fmt::format("client {}: '{}' prepares to '{}', which has a space: a program cannot name it", name,
                                   spec.substr(eq + 1), jid->str());
            }
            for (const ProgramClient& c : program_.clients) {
                if (c.name == name) return fmt::format("client '{}' is named twice", name);
                if (c.jid == *jid) return fmt::format("clients '{}' and '{}' share the JID {}", c.name, name, jid->str());
            }
            if (program_.clients.size() >= clients_max) return fmt::format("more than {} clients", clients_max);
            program_.clients.push_back({std::move(name), std::move(jid).value()});
        }
        return std::nullopt;
    }

    int client_index(std::string_view name) const {
        for (std::size_t i = 0; i < program_.clients.size(); ++i) {
            if (program_.clients[i].name == name) return static_cast<int>(i);
        }
        return -1;
    }

    std::optional<std::string> parse_action(std::string_view line) {
        if (program_.clients.empty()) return std::string("the 'clients' line must come before the actions");
        if (program_.actions.size() >= actions_max) return fmt::format("more than {} actions", actions_max);
        std::size_t colon = line.find(':');
        std::string_view name = trim(line.substr(0, colon));
        int client = client_index(name);
        if (client < 0) return fmt::format("'{}' is not one of the clients", name);
        auto tokens = tokenize(line.substr(colon + 1));
        if (!tokens) return tokens.error();
        if (tokens->empty()) return fmt::format("expected a verb after '{}:'", name);
        ProgramAction action;
        action.client = client;
        auto error = parse_verb(*tokens, action);
        if (error) return error;
        program_.actions.push_back(std::move(action));
        return std::nullopt;
    }

    std::optional<std::string> parse_verb(const std::vector<Token>& t, ProgramAction& a) {
        const std::string& verb = t[0].text;
        auto found = std::find_if(std::begin(verb_table), std::end(verb_table),
                                  [&](const VerbInfo& v) { return v.name == verb; });
        if (found == std::end(verb_table)) {
            return fmt::format("unknown verb '{}': expected connect, disconnect, join, leave, nick, presence, say, pm, "
                               "subject, affiliation, affiliation-by-nick, role, list, config, register, invite, "
                               "destroy, error, voice, disco-info or disco-items",
                               verb);
        }
        a.verb = found->verb;
        std::size_t n = t.size();
        auto want = [&](std::size_t min, std::size_t max, std::string_view usage) -> std::optional<std::string> {
            if (n < min || n > max) return fmt::format("usage: {}", usage);
            return std::nullopt;
        };
        auto reason_at = [&](std::size_t i) -> std::optional<std::string> {
            if (n == i) return std::nullopt;
            if (n != i + 2 || t[i].text != "reason") return fmt::format("expected 'reason TEXT' after the arguments");
            a.text = t[i + 1].text;
            return std::nullopt;
        };
        switch (a.verb) {
            case Verb::connect:
            case Verb::disconnect: return want(1, 1, verb);
            case Verb::join:
                if (auto e = want(3, 7, "join ROOM NICK [password TEXT] [history N]")) return e;
                a.room = t[1].text;
                a.nick = t[2].text;
                if (auto e = join_options(t, a)) return e;
                break;
            case Verb::leave:
                if (auto e = want(2, 4, "leave ROOM [status TEXT]")) return e;
                a.room = t[1].text;
                if (n == 3 || (n == 4 && t[2].text != "status")) return std::string("usage: leave ROOM [status TEXT]");
                if (n == 4) a.text = t[3].text;
                break;
            case Verb::nick:
                if (auto e = want(3, 3, "nick ROOM NEWNICK")) return e;
                a.room = t[1].text;
                a.nick = t[2].text;
                break;
            case Verb::presence:
                if (auto e = want(3, 3, "presence ROOM available|away|chat|dnd|xa")) return e;
                a.room = t[1].text;
                a.value = t[2].text;
                if (a.value != "available" && a.value != "away" && a.value != "chat" && a.value != "dnd" && a.value != "xa") {
                    return fmt::format("unknown show '{}': expected available, away, chat, dnd or xa", a.value);
                }
                break;
            case Verb::subject:
                if (auto e = want(3, 3, "subject ROOM TEXT")) return e;
                a.room = t[1].text;
                a.text = t[2].text;
                break;
            case Verb::say:
                if (auto e = want(3, 5, "say ROOM TEXT [with PAYLOAD]")) return e;
                a.room = t[1].text;
                a.text = t[2].text;
                if (auto e = payload_at(t, 3, a)) return e;
                break;
            case Verb::pm:
                if (auto e = want(4, 6, "pm ROOM NICK TEXT [with PAYLOAD]")) return e;
                a.room = t[1].text;
                a.nick = t[2].text;
                a.text = t[3].text;
                if (auto e = payload_at(t, 4, a)) return e;
                break;
            case Verb::affiliation:
                if (auto e = want(4, 6, "affiliation ROOM TARGET owner|admin|member|none|outcast [reason TEXT]")) return e;
                a.room = t[1].text;
                a.target = t[2].text;
                a.value = t[3].text;
                if (auto e = check_target(a.target)) return e;
                return reason_at(4);
            case Verb::role:
                if (auto e = want(4, 6, "role ROOM NICK moderator|participant|visitor|none [reason TEXT]")) return e;
                a.room = t[1].text;
                a.nick = t[2].text;
                a.value = t[3].text;
                return reason_at(4);
            case Verb::list:
                if (auto e = want(3, 3, "list ROOM owner|admin|member|outcast")) return e;
                a.room = t[1].text;
                a.value = t[2].text;
                break;
            case Verb::config:
                if (n == 3 && is_whole_form(t[2].text)) {
                    a.room = t[1].text;
                    a.option = t[2].text;
                    break;
                }
                if (auto e = want(4, 4, "config ROOM OPTION VALUE  or  config ROOM instant|empty|cancel")) return e;
                a.room = t[1].text;
                a.option = t[2].text;
                a.value = t[3].text;
                return check_config(a);
            case Verb::register_nick:
                if (auto e = want(3, 3, "register ROOM NICK")) return e;
                a.room = t[1].text;
                a.nick = t[2].text;
                break;
            case Verb::invite:
                if (auto e = want(3, 5, "invite ROOM TARGET [reason TEXT]")) return e;
                a.room = t[1].text;
                a.target = t[2].text;
                if (auto e = check_target(a.target)) return e;
                return reason_at(3);
            case Verb::destroy:
                if (auto e = want(2, 4, "destroy ROOM [reason TEXT]")) return e;
                a.room = t[1].text;
                return reason_at(2);
            case Verb::affiliation_by_nick:
                if (auto e = want(4, 6, "affiliation-by-nick ROOM NICK owner|admin|member|none|outcast [reason TEXT]")) {
                    return e;
                }
                a.room = t[1].text;
                a.nick = t[2].text;
                a.value = t[3].text;
                if (auto e = reason_at(4)) return e;
                break;
            case Verb::error_reply:
                if (auto e = want(3, 4, "error ROOM presence|message|iq [NICK]")) return e;
                a.room = t[1].text;
                a.value = t[2].text;
                if (a.value != "presence" && a.value != "message" && a.value != "iq") {
                    return fmt::format("unknown stanza '{}': expected presence, message or iq", a.value);
                }
                if (n == 4) a.nick = t[3].text;
                break;
            case Verb::voice:
                if (auto e = want(2, 2, "voice ROOM")) return e;
                a.room = t[1].text;
                break;
            case Verb::disco_info:
            case Verb::disco_items:
                if (auto e = want(2, 3, fmt::format("{} ROOM [NICK]", verb))) return e;
                a.room = t[1].text;
                if (n == 3) a.nick = t[2].text;
                break;
        }
        if (!a.room.empty() && !model::nodeprep(a.room)) return fmt::format("'{}' is not a valid room name", a.room);
        return std::nullopt;
    }

    // `[password TEXT] [history N]` after a join's nick, in either order.
    static std::optional<std::string> join_options(const std::vector<Token>& t, ProgramAction& a) {
        constexpr std::string_view usage = "usage: join ROOM NICK [password TEXT] [history N]";
        bool password = false;
        for (std::size_t i = 3; i < t.size(); i += 2) {
            if (i + 1 >= t.size()) return std::string(usage);
            if (t[i].text == "password" && !password) {
                password = true;
                a.text = t[i + 1].text;
            } else if (t[i].text == "history" && !a.history_stanzas) {
                auto stanzas = number(t[i + 1].text, history_stanzas_max);
                if (!stanzas) {
                    return fmt::format("history needs a number of stanzas from 0 to {}, found '{}'", history_stanzas_max,
                                       t[i + 1].text);
                }
                a.history_stanzas = *stanzas;
            } else {
                return std::string(usage);
            }
        }
        return std::nullopt;
    }

    // `[with PAYLOAD]` at t[i].
    static std::optional<std::string> payload_at(const std::vector<Token>& t, std::size_t i, ProgramAction& a) {
        if (t.size() == i) return std::nullopt;
        if (t.size() != i + 2 || t[i].text != "with") return std::string("expected 'with PAYLOAD' after the text");
        const std::vector<std::string>& names = message_payloads();
        if (std::find(names.begin(), names.end(), t[i + 1].text) == names.end()) {
            return fmt::format("unknown payload '{}': expected {}", t[i + 1].text, fmt::join(names, ", "));
        }
        a.payload = t[i + 1].text;
        return std::nullopt;
    }

    std::optional<std::string> check_target(std::string_view target) const {
        if (client_index(target) >= 0) return std::nullopt;
        if (target.find('@') != std::string_view::npos && model::Jid::parse(target).ok()) return std::nullopt;
        return fmt::format("target '{}' is neither a client nor a JID", target);
    }

    static std::optional<std::string> check_config(const ProgramAction& a) {
        const ConfigOption* option = find_option(a.option);
        if (!option) {
            std::vector<std::string> names;
            for (const ConfigOption& o : option_table()) names.push_back(o.name);
            return fmt::format("unknown option '{}': expected instant or one of {}", a.option, fmt::join(names, ", "));
        }
        if (option->kind == ConfigOption::Kind::boolean && a.value != "on" && a.value != "off") {
            return fmt::format("option '{}' is on or off, found '{}'", a.option, a.value);
        }
        if (option->kind == ConfigOption::Kind::whois && a.value != "anyone" && a.value != "moderators") {
            return fmt::format("whois is anyone or moderators, found '{}'", a.value);
        }
        return std::nullopt;
    }

    std::string_view text_;
    std::string file_;
    int line_ = 0;
    Program program_;
};

// ------------------------------------------------------------------ stanzas

model::Element client_element(std::string_view name) { return model::Element(std::string(name), std::string(model::ns::client)); }

model::Element element(std::string_view name, std::string_view ns) {
    return model::Element(std::string(name), std::string(ns));
}

std::string room_jid(const ProgramAction& a, std::string_view host) { return fmt::format("{}@{}", a.room, host); }

// The nick the client last used in that room, before this action.
std::string current_nick(const Program& program, std::size_t index) {
    const ProgramAction& a = program.actions[index];
    for (std::size_t i = index; i-- > 0;) {
        const ProgramAction& before = program.actions[i];
        if (before.client != a.client || before.room != a.room) continue;
        if (before.verb == Verb::join || before.verb == Verb::nick) return before.nick;
    }
    return program.clients[static_cast<std::size_t>(a.client)].name;
}

std::string target_jid(const Program& program, std::string_view target) {
    for (const ProgramClient& c : program.clients) {
        if (c.name == target) return c.jid.bare_str();
    }
    auto jid = model::Jid::parse(target);
    return jid ? jid->bare_str() : std::string(target);
}

model::Element data_form_field(std::string_view var, std::string_view value) {
    model::Element field = element("field", model::ns::data_forms);
    field.set("var", var);
    field.append(element("value", model::ns::data_forms).text(value));
    return field;
}

model::Element config_form(const ProgramAction& a) {
    model::Element form = element("x", model::ns::data_forms);
    // instant and empty: §10.1.2 Example 156's submit with no field at all.
    form.set("type", a.option == "cancel" ? "cancel" : "submit");
    if (is_whole_form(a.option)) return form;
    form.append(data_form_field("FORM_TYPE", model::ns::muc_roomconfig));
    const ConfigOption* option = find_option(a.option);
    assert(option);
    std::string value = a.value;
    if (option->kind == ConfigOption::Kind::boolean) value = a.value == "on" ? "1" : "0";
    if (a.option == "password" && a.value == "none") value.clear();
    form.append(data_form_field(option->field, value));
    return form;
}

model::Element iq(std::string_view type, std::string to, std::string id, model::Element query) {
    model::Element stanza = client_element("iq");
    stanza.set("type", type).set("to", to).set("id", id);
    stanza.append(std::move(query));
    return stanza;
}

model::Element with_reason(model::Element item, std::string_view ns, const std::string& reason) {
    if (!reason.empty()) item.append(element("reason", ns).text(reason));
    return item;
}

std::string to_room_or_nick(const std::string& room, const std::string& nick) {
    return nick.empty() ? room : fmt::format("{}/{}", room, nick);
}

// A message with a body, and the payload next to it (ProgramAction::payload).
model::Element message_with(std::string_view type, std::string to, const std::string& id, const ProgramAction& a) {
    model::Element message = client_element("message");
    message.set("type", type).set("to", to).set("id", id).append(client_element("body").text(a.text));
    if (a.payload == "muc-user") message.append(element("x", model::ns::muc_user));
    if (a.payload == "muc-user-item") {
        model::Element item = element("item", model::ns::muc_user);
        item.set("affiliation", "owner").set("role", "moderator").set("jid", forger_jid);
        message.append(element("x", model::ns::muc_user).append(std::move(item)));
    }
    if (a.payload == "subject") message.append(client_element("subject").text(a.text));
    if (a.payload == "delay") {
        message.append(element("delay", model::ns::delay).set("from", forger_jid).set("stamp", forged_stamp));
    }
    if (a.payload == "ext") {
        message.append(client_element("thread").text(fmt::format("thread-{}", id)));
        message.append(element("x", "urn:example:ext"));
    }
    return message;
}

// What a client sends back when it cannot handle what the room sent (RFC 6120 §8.3).
model::Element error_stanza(const ProgramAction& a, std::string to, const std::string& id) {
    model::Element error = client_element("error");
    error.set("type", "cancel").append(element("service-unavailable", model::ns::stanzas));
    model::Element stanza = client_element(a.value);
    stanza.set("type", "error").set("to", to);
    if (a.value != "presence") stanza.set("id", id);
    return stanza.append(std::move(error));
}

// §7.13 Example 71: a visitor asks for voice.
model::Element voice_request(const std::string& room, const std::string& id) {
    model::Element form = element("x", model::ns::data_forms);
    form.set("type", "submit");
    form.append(data_form_field("FORM_TYPE", model::ns::muc_request));
    model::Element role = data_form_field("muc#role", "participant");
    role.set("type", "list-single").set("label", "Requested role");
    form.append(std::move(role));
    return client_element("message").set("to", room).set("id", id).append(std::move(form));
}

}  // namespace

std::string_view verb_name(Verb verb) {
    for (const VerbInfo& v : verb_table) {
        if (v.verb == verb) return v.name;
    }
    assert(false);
    return "?";
}

const std::vector<std::string>& verb_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const VerbInfo& v : verb_table) out.emplace_back(v.name);
        return out;
    }();
    return names;
}

const std::vector<std::string>& message_payloads() {
    static const std::vector<std::string> names(std::begin(payload_names), std::end(payload_names));
    return names;
}

const std::vector<std::string>& config_options() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const ConfigOption& o : option_table()) out.push_back(o.name);
        return out;
    }();
    return names;
}

std::optional<Program> without_client(const Program& program, int c) {
    assert(c >= 0 && static_cast<std::size_t>(c) < program.clients.size());
    const std::string& name = program.clients[static_cast<std::size_t>(c)].name;
    Program smaller = program;
    smaller.actions.clear();
    for (const ProgramAction& a : program.actions) {
        if (a.client == c) continue;
        if (a.target == name || a.nick == name) return std::nullopt;
        ProgramAction moved = a;
        if (moved.client > c) --moved.client;
        smaller.actions.push_back(std::move(moved));
    }
    smaller.clients.erase(smaller.clients.begin() + c);
    return smaller;
}

std::vector<ProgramClient> cast(int count) {
    static constexpr const char* names[cast_max] = {"Romeo", "Juliet", "Mercutio", "Rosaline",
                                                    "Benvolio", "Tybalt", "Nurse", "Paris"};
    assert(count > 0 && count <= cast_max);
    std::vector<ProgramClient> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back({names[i], model::Jid::from_parts(fmt::format("user{}", i + 1), "localhost")});
    }
    return clients;
}

std::string ProgramError::str() const { return fmt::format("{}:{}: {}", file, line, message); }

model::Result<Program, ProgramError> parse_program(std::string_view text, std::string_view file) {
    if (text.size() > program_bytes_max) return ProgramError{std::string(file), 1, "program too large"};
    // Every text of a program can end up in a stanza: it must be characters XML allows.
    if (std::size_t bad = model::invalid_xml_char_at(text); bad != std::string_view::npos) {
        int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
        return ProgramError{std::string(file), line,
                            fmt::format("binary data or invalid UTF-8 (byte 0x{:02x}): a program must be UTF-8 text",
                                        static_cast<unsigned char>(text[bad]))};
    }
    return ProgramParser(text, file).parse();
}

model::Result<Program, ProgramError> read_program(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return ProgramError{path, 0, "is a directory, not a program"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return ProgramError{path, 0, fmt::format("cannot open: {}", std::strerror(errno))};
    std::ostringstream content;
    content << in.rdbuf();
    return parse_program(content.str(), path);
}

std::string format_action(const Program& program, const ProgramAction& a) {
    std::string out = fmt::format("{}: {}", program.clients[static_cast<std::size_t>(a.client)].name, verb_name(a.verb));
    auto reason = [&] { return a.text.empty() ? std::string() : fmt::format(" reason {}", quote(a.text)); };
    auto with = [&] { return a.payload.empty() ? std::string() : fmt::format(" with {}", a.payload); };
    auto at_nick = [&] { return a.nick.empty() ? std::string() : fmt::format(" {}", word(a.nick)); };
    switch (a.verb) {
        case Verb::connect:
        case Verb::disconnect: break;
        case Verb::join:
            out += fmt::format(" {} {}", word(a.room), word(a.nick));
            if (!a.text.empty()) out += fmt::format(" password {}", word(a.text));
            if (a.history_stanzas) out += fmt::format(" history {}", *a.history_stanzas);
            break;
        case Verb::leave:
            out += fmt::format(" {}", word(a.room));
            if (!a.text.empty()) out += fmt::format(" status {}", quote(a.text));
            break;
        case Verb::nick: out += fmt::format(" {} {}", word(a.room), word(a.nick)); break;
        case Verb::presence: out += fmt::format(" {} {}", word(a.room), word(a.value)); break;
        case Verb::subject: out += fmt::format(" {} {}", word(a.room), quote(a.text)); break;
        case Verb::say: out += fmt::format(" {} {}{}", word(a.room), quote(a.text), with()); break;
        case Verb::pm: out += fmt::format(" {} {} {}{}", word(a.room), word(a.nick), quote(a.text), with()); break;
        case Verb::affiliation: out += fmt::format(" {} {} {}{}", word(a.room), word(a.target), word(a.value), reason()); break;
        case Verb::role: out += fmt::format(" {} {} {}{}", word(a.room), word(a.nick), word(a.value), reason()); break;
        case Verb::list: out += fmt::format(" {} {}", word(a.room), word(a.value)); break;
        case Verb::config:
            out += is_whole_form(a.option) ? fmt::format(" {} {}", word(a.room), a.option)
                                           : fmt::format(" {} {} {}", word(a.room), a.option, word(a.value));
            break;
        case Verb::register_nick: out += fmt::format(" {} {}", word(a.room), word(a.nick)); break;
        case Verb::invite: out += fmt::format(" {} {}{}", word(a.room), word(a.target), reason()); break;
        case Verb::destroy: out += fmt::format(" {}{}", word(a.room), reason()); break;
        case Verb::affiliation_by_nick:
            out += fmt::format(" {} {} {}{}", word(a.room), word(a.nick), word(a.value), reason());
            break;
        case Verb::error_reply: out += fmt::format(" {} {}{}", word(a.room), a.value, at_nick()); break;
        case Verb::voice: out += fmt::format(" {}", word(a.room)); break;
        case Verb::disco_info:
        case Verb::disco_items: out += fmt::format(" {}{}", word(a.room), at_nick()); break;
    }
    return out;
}

std::string format_program(const Program& program) {
    std::string out;
    for (const std::string& c : program.comments) out += fmt::format("# {}\n", c);
    std::vector<std::string> clients;
    for (const ProgramClient& c : program.clients) clients.push_back(fmt::format("{}={}", c.name, c.jid.str()));
    out += fmt::format("clients {}\n", fmt::join(clients, " "));
    if (program.faults_max > 0) out += fmt::format("faults {}\n", program.faults_max);
    if (!program.choices.empty()) out += fmt::format("choices {}\n", fmt::join(program.choices, " "));
    out += '\n';
    for (const ProgramAction& a : program.actions) out += format_action(program, a) + '\n';
    return out;
}

model::Element action_stanza(const Program& program, std::size_t index, std::string_view host) {
    assert(index < program.actions.size());
    const ProgramAction& a = program.actions[index];
    StanzaContext context;
    context.host = host;
    context.id = fmt::format("a{}", index + 1);
    context.current_nick = current_nick(program, index);
    context.target_jid = target_jid(program, a.target);
    return build_stanza(a, context);
}

model::Element build_stanza(const ProgramAction& a, const StanzaContext& context) {
    const std::string& id = context.id;
    std::string room = room_jid(a, context.host);
    switch (a.verb) {
        case Verb::connect:
        case Verb::disconnect: assert(false && "not a stanza"); break;
        case Verb::join: {
            model::Element x = element("x", model::ns::muc);
            if (!a.text.empty()) x.append(element("password", model::ns::muc).text(a.text));
            if (a.history_stanzas) {
                x.append(element("history", model::ns::muc).set("maxstanzas", std::to_string(*a.history_stanzas)));
            }
            return client_element("presence").set("to", fmt::format("{}/{}", room, a.nick)).append(std::move(x));
        }
        case Verb::leave: {
            model::Element p = client_element("presence");
            p.set("type", "unavailable").set("to", fmt::format("{}/{}", room, context.current_nick));
            if (!a.text.empty()) p.append(client_element("status").text(a.text));
            return p;
        }
        case Verb::nick: return client_element("presence").set("to", fmt::format("{}/{}", room, a.nick));
        case Verb::presence: {
            model::Element p = client_element("presence").set("to", fmt::format("{}/{}", room, context.current_nick));
            if (a.value != "available") p.append(client_element("show").text(a.value));
            return p;
        }
        case Verb::say: return message_with("groupchat", room, id, a);
        case Verb::pm: return message_with("chat", fmt::format("{}/{}", room, a.nick), id, a);
        case Verb::subject:
            return client_element("message").set("type", "groupchat").set("to", room).set("id", id).append(client_element("subject").text(a.text));
        case Verb::affiliation: {
            model::Element item = element("item", model::ns::muc_admin);
            item.set("affiliation", a.value).set("jid", context.target_jid);
            return iq("set", room, id, element("query", model::ns::muc_admin).append(with_reason(std::move(item), model::ns::muc_admin, a.text)));
        }
        case Verb::role: {
            model::Element item = element("item", model::ns::muc_admin);
            item.set("nick", a.nick).set("role", a.value);
            return iq("set", room, id, element("query", model::ns::muc_admin).append(with_reason(std::move(item), model::ns::muc_admin, a.text)));
        }
        case Verb::list:
            return iq("get", room, id, element("query", model::ns::muc_admin).append(element("item", model::ns::muc_admin).set("affiliation", a.value)));
        case Verb::config: return iq("set", room, id, element("query", model::ns::muc_owner).append(config_form(a)));
        case Verb::register_nick: {
            model::Element form = element("x", model::ns::data_forms);
            form.set("type", "submit");
            form.append(data_form_field("FORM_TYPE", model::ns::muc_register));
            form.append(data_form_field("muc#register_roomnick", a.nick));
            return iq("set", room, id, element("query", model::ns::iq_register).append(std::move(form)));
        }
        case Verb::invite: {
            model::Element invite = element("invite", model::ns::muc_user);
            invite.set("to", context.target_jid);
            if (!a.text.empty()) invite.append(element("reason", model::ns::muc_user).text(a.text));
            return client_element("message").set("to", room).set("id", id).append(element("x", model::ns::muc_user).append(std::move(invite)));
        }
        case Verb::destroy: {
            model::Element destroy = element("destroy", model::ns::muc_owner);
            if (!a.text.empty()) destroy.append(element("reason", model::ns::muc_owner).text(a.text));
            return iq("set", room, id, element("query", model::ns::muc_owner).append(std::move(destroy)));
        }
        case Verb::affiliation_by_nick: {
            // No jid: the room is to act on the bare JID of whoever has the nick.
            model::Element item = element("item", model::ns::muc_admin);
            item.set("nick", a.nick).set("affiliation", a.value);
            return iq("set", room, id, element("query", model::ns::muc_admin).append(with_reason(std::move(item), model::ns::muc_admin, a.text)));
        }
        case Verb::error_reply: return error_stanza(a, to_room_or_nick(room, a.nick), id);
        case Verb::voice: return voice_request(room, id);
        case Verb::disco_info: return iq("get", to_room_or_nick(room, a.nick), id, element("query", model::ns::disco_info));
        case Verb::disco_items: return iq("get", to_room_or_nick(room, a.nick), id, element("query", model::ns::disco_items));
    }
    assert(false);
    return {};
}

World load_program(const Program& program, WorldConfig config) {
    config.faults_max = program.faults_max;
    std::string host = config.server.muc.host;
    World world(std::move(config));
    for (const ProgramClient& c : program.clients) world.add_client(c.name, c.jid);
    for (std::size_t i = 0; i < program.actions.size(); ++i) {
        const ProgramAction& a = program.actions[i];
        switch (a.verb) {
            case Verb::connect: world.send_connect(a.client); break;
            case Verb::disconnect: world.send_disconnect(a.client); break;
            default: world.send_stanza(a.client, action_stanza(program, i, host)); break;
        }
    }
    return world;
}

World run_program(const Program& program, WorldConfig config) {
    World world = load_program(program, std::move(config));
    ChoiceSequence sequence(program.choices);
    world.run_until_quiet(sequence);
    return world;
}

}  // namespace mucsim::sim
