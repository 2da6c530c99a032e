#pragma once
// XML namespaces of the protocols mucsim speaks.

#include <string_view>

namespace mucsim::model::ns {

inline constexpr std::string_view client = "jabber:client";
inline constexpr std::string_view stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view muc = "http://jabber.org/protocol/muc";
inline constexpr std::string_view muc_user = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view muc_admin = "http://jabber.org/protocol/muc#admin";
inline constexpr std::string_view muc_owner = "http://jabber.org/protocol/muc#owner";
inline constexpr std::string_view muc_roomconfig = "http://jabber.org/protocol/muc#roomconfig";
inline constexpr std::string_view muc_roominfo = "http://jabber.org/protocol/muc#roominfo";
inline constexpr std::string_view muc_register = "http://jabber.org/protocol/muc#register";
inline constexpr std::string_view muc_request = "http://jabber.org/protocol/muc#request";
inline constexpr std::string_view muc_unique = "http://jabber.org/protocol/muc#unique";
inline constexpr std::string_view data_forms = "jabber:x:data";
inline constexpr std::string_view disco_info = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view disco_items = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view commands = "http://jabber.org/protocol/commands";
inline constexpr std::string_view iq_register = "jabber:iq:register";
inline constexpr std::string_view conference = "jabber:x:conference";
inline constexpr std::string_view delay = "urn:xmpp:delay";
inline constexpr std::string_view vcard_update = "vcard-temp:x:update";
inline constexpr std::string_view vcard = "vcard-temp";
inline constexpr std::string_view occupant_id = "urn:xmpp:occupant-id:0";
inline constexpr std::string_view stanza_id = "urn:xmpp:sid:0";
inline constexpr std::string_view ping = "urn:xmpp:ping";
inline constexpr std::string_view scansion = "https://matthewwild.co.uk/projects/scansion";

}  // namespace mucsim::model::ns
