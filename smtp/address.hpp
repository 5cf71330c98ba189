#pragma once
// Paths and parameters of MAIL FROM / RCPT TO (RFC 5321 §4.1.2, §3.3), as pure functions.
//
//   auto p = parse_path("FROM:<alice@example.org> SIZE=1200 BODY=8BITMIME", "FROM");
//   p->address == "alice@example.org", p->params == {{"SIZE","1200"}, {"BODY","8BITMIME"}}
//
// Lenient where real clients differ from the grammar and it costs nothing: the keyword's
// case, a space after the colon, a source route (<@a,@b:user@c>, RFC 5321 §4.1.2 says to
// accept and ignore it). Strict where it matters: the path needs its angle brackets, no
// control characters, and a mailbox has a non-empty local part and domain.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedpop::smtp {

struct PathArgument {
  std::string address; // without angle brackets or source route; "" is the null path <>
  std::vector<std::pair<std::string, std::string>> params; // keyword upper-cased, value as sent
  bool non_ascii = false; // the address holds octets above 0x7F (needs SMTPUTF8, RFC 6531)
};

// `rest` is the command line after the verb and its space; `keyword` is "FROM" or "TO".
std::optional<PathArgument> parse_path(std::string_view rest, std::string_view keyword);

// Splits "local@domain" at the last "@", removing the quotes of a quoted local part
// ("\"feedpop\""); nullopt unless both parts are non-empty.
std::optional<std::pair<std::string, std::string>> split_mailbox(std::string_view address);

// feedpop@HOST, subscribe@HOST or unsubscribe@HOST, ignoring ASCII case (RFC 5321 §2.4
// lets a server fold the local part; the domain is case-insensitive anyway) and a trailing
// dot on the domain.
bool is_control_address(std::string_view address, std::string_view hostname);

} // namespace feedpop::smtp
