#pragma once
// Programs: what virtual clients do, plus the scheduler's choices. A program
// and its choice sequence determine a whole run.
//
// The text format (one action per line, in the order written; the all-zero
// choice sequence runs them in exactly that order):
//
//   # comment
//   clients Romeo=romeo@localhost Juliet=juliet@localhost
//   faults 1
//   choices 0 2 1
//
//   Romeo: connect
//   Romeo: join room Romeo
//   Romeo: config room instant
//   Juliet: connect
//   Romeo: affiliation room Juliet member reason "trusted"
//   Juliet: join room Juliet
//   Juliet: say room "hello"
//
// Rooms are written by their local part (room → room@conference.localhost);
// a target of affiliation or invite is a client name or a JID.
//
// Nicks are any text, quoted when they hold blanks, quotes or non-ASCII
// characters (" ", " Romeo ", "Ro\u200bmeo"). The stanza's `to` is the room
// JID, '/', the nick as written: the client sends what it was told, so that a
// nick no resource can hold (empty, a tab, only zero-width characters, which
// preparation maps to nothing) reaches the server, whose router refuses it
// (jid-malformed), and one that preparation changes (zero-width characters
// inside vanish) is prepared by the server.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/jid.hpp"
#include "model/result.hpp"
#include "model/xml.hpp"
#include "sim/world.hpp"

namespace mucsim::sim {

enum class Verb : std::uint8_t {
    connect,
    disconnect,
    join,         // join ROOM NICK [password TEXT] [history N]
    leave,        // leave ROOM [status TEXT]
    nick,         // nick ROOM NEWNICK
    presence,     // presence ROOM SHOW          (away, chat, dnd, xa, available)
    say,          // say ROOM TEXT [with PAYLOAD]          (groupchat)
    pm,           // pm ROOM NICK TEXT [with PAYLOAD]
    subject,      // subject ROOM TEXT
    affiliation,  // affiliation ROOM TARGET AFFILIATION [reason TEXT]
    role,         // role ROOM NICK ROLE [reason TEXT]
    list,         // list ROOM AFFILIATION       (muc#admin get)
    config,       // config ROOM OPTION VALUE | config ROOM instant|empty|cancel
    register_nick,  // register ROOM NICK
    invite,       // invite ROOM TARGET [reason TEXT]
    destroy,      // destroy ROOM [reason TEXT]
    affiliation_by_nick,  // affiliation-by-nick ROOM NICK AFFILIATION [reason TEXT]
    error_reply,  // error ROOM presence|message|iq [NICK]
    voice,        // voice ROOM                  (a voice request, §7.13)
    disco_info,   // disco-info ROOM [NICK]
    disco_items,  // disco-items ROOM [NICK]
};

// What `say ... with PAYLOAD` and `pm ... with PAYLOAD` add next to the body:
// things real clients put in messages, which a room must relay or ignore.
//   muc-user       an empty <x xmlns='…muc#user'/> (XEP-0045 §7.5: a client SHOULD add it to a PM)
//   muc-user-item  an x muc#user with an <item affiliation='owner' role='moderator' jid='mallory@localhost'/>
//                  the sender made up
//   subject        a <subject> with the body's text: with a body it is no subject change (§8.1)
//   delay          a <delay xmlns='urn:xmpp:delay' from='mallory@localhost'/> of the sender's own
//   ext            a <thread> and an element of an unknown namespace
const std::vector<std::string>& message_payloads();

std::string_view verb_name(Verb verb);
// Every verb's name, in the order of the table (for options that name verbs).
const std::vector<std::string>& verb_names();

struct ProgramAction {
    int client = 0;  // index into Program::clients
    Verb verb = Verb::connect;
    std::string room;    // local part
    std::string nick;    // join, nick, pm, role, register
    std::string target;  // affiliation, invite: a client name or a JID
    std::string option;  // config option
    std::string value;   // affiliation, role, show, config value, list affiliation
    std::string text;    // say, pm, subject; reason; join password; leave status
    std::string payload;  // say, pm: one of message_payloads(), or empty
    std::optional<std::uint32_t> history_stanzas;  // join: <history maxstanzas='N'/>
    bool operator==(const ProgramAction&) const = default;
};

struct ProgramClient {
    std::string name;
    model::Jid jid;  // bare, or full when the resource is fixed
    bool operator==(const ProgramClient&) const = default;
};

struct Program {
    std::vector<ProgramClient> clients;
    std::vector<ProgramAction> actions;
    std::vector<std::uint32_t> choices;
    int faults_max = 0;
    std::vector<std::string> comments;  // leading comment lines
    bool operator==(const Program& other) const {
        return clients == other.clients && actions == other.actions && choices == other.choices &&
               faults_max == other.faults_max;
    }
};

struct ProgramError {
    std::string file;
    int line = 0;
    std::string message;
    std::string str() const;
};

model::Result<Program, ProgramError> parse_program(std::string_view text, std::string_view file);
model::Result<Program, ProgramError> read_program(const std::string& path);
std::string format_program(const Program& program);
std::string format_action(const Program& program, const ProgramAction& action);

// The program without client `c` and its actions, or nothing when another
// client's action names it (shrinking tries this before single actions).
std::optional<Program> without_client(const Program& program, int c);

// The cast: Romeo, Juliet, Mercutio, Rosaline, Benvolio, Tybalt, Nurse,
// Paris, at userN@localhost.
std::vector<ProgramClient> cast(int count);
inline constexpr int cast_max = 8;

// The configuration options `config ROOM OPTION VALUE` knows.
const std::vector<std::string>& config_options();

// The stanza an action sends (not for connect and disconnect). `index` is the
// action's position in the program: it makes iq and message ids unique.
model::Element action_stanza(const Program& program, std::size_t index, std::string_view muc_host);

// What an action needs of its context to become a stanza.
struct StanzaContext {
    std::string_view host;     // the MUC service
    std::string id;            // of iqs and messages
    std::string current_nick;  // the client's nick in the room (leave, presence)
    std::string target_jid;    // the resolved target of affiliation and invite
};
model::Element build_stanza(const ProgramAction& action, const StanzaContext& context);

// Builds a world for the program: clients added, every action put in its
// client's backlog in program order.
World load_program(const Program& program, WorldConfig config);

// Loads and runs the program with its choices until quiet.
World run_program(const Program& program, WorldConfig config);

}  // namespace mucsim::sim
