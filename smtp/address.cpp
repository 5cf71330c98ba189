#include "smtp/address.hpp"

#include "common/ascii.hpp"

namespace feedpop::smtp {
namespace {

bool is_ctl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

// Index of the ">" closing the path that opens at `text[0] == '<'`, skipping quoted
// strings (a quoted local part may hold ">"); npos if there is none.
std::size_t closing_bracket(std::string_view text) {
  bool quoted = false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

bool valid_address(std::string_view address) {
  bool quoted = false;
  for (std::size_t i = 0; i < address.size(); ++i) {
    const char c = address[i];
    if (is_ctl(c)) {
      return false;
    }
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == ' ' || c == '<' || c == '>')) {
      return false;
    }
  }
  return !quoted && (address.empty() || split_mailbox(address).has_value());
}

} // namespace

std::optional<std::pair<std::string, std::string>> split_mailbox(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return std::nullopt;
  }
  std::string_view local = address.substr(0, at);
  std::string unquoted;
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    local = local.substr(1, local.size() - 2);
    for (std::size_t i = 0; i < local.size(); ++i) {
      if (local[i] == '\\' && i + 1 < local.size()) {
        ++i;
      }
      unquoted += local[i];
    }
  } else {
    unquoted = std::string(local);
  }
  if (unquoted.empty()) {
    return std::nullopt;
  }
  return std::pair{std::move(unquoted), std::string(address.substr(at + 1))};
}

std::optional<PathArgument> parse_path(std::string_view rest, std::string_view keyword) {
  if (rest.size() < keyword.size() + 1 ||
      !ascii::iequals_both(rest.substr(0, keyword.size()), keyword) ||
      rest[keyword.size()] != ':') {
    return std::nullopt;
  }
  rest.remove_prefix(keyword.size() + 1);
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1); // "MAIL FROM: <a@b>" (Outlook and old Windows clients)
  }
  if (rest.empty() || rest.front() != '<') {
    return std::nullopt;
  }
  const std::size_t close = closing_bracket(rest);
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view address = rest.substr(1, close - 1);
  if (!address.empty() && address.front() == '@') {
    const auto colon = address.find(':'); // RFC 5321 §4.1.2: a source route is ignored
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    address.remove_prefix(colon + 1);
  }
  if (!valid_address(address)) {
    return std::nullopt;
  }
  PathArgument out;
  out.address = std::string(address);
  for (const char c : address) {
    out.non_ascii = out.non_ascii || static_cast<unsigned char>(c) > 0x7F;
  }
  std::string_view params = rest.substr(close + 1);
  if (!params.empty() && params.front() != ' ') {
    return std::nullopt;
  }
  for (std::size_t pos = 0; pos < params.size();) {
    const auto space = params.find(' ', pos);
    const auto end = space == std::string_view::npos ? params.size() : space;
    const std::string_view param = params.substr(pos, end - pos);
    pos = end + 1;
    if (param.empty()) {
      continue;
    }
    for (const char c : param) {
      if (is_ctl(c)) {
        return std::nullopt;
      }
    }
    const auto eq = param.find('=');
    out.params.emplace_back(ascii::upper(param.substr(0, eq)),
                            eq == std::string_view::npos ? std::string()
                                                         : std::string(param.substr(eq + 1)));
  }
  return out;
}

bool is_control_address(std::string_view address, std::string_view hostname) {
  const auto parts = split_mailbox(address);
  if (!parts) {
    return false;
  }
  std::string_view domain = parts->second;
  if (!domain.empty() && domain.back() == '.') {
    domain.remove_suffix(1);
  }
  if (!hostname.empty() && hostname.back() == '.') {
    hostname.remove_suffix(1);
  }
  if (!ascii::iequals_both(domain, hostname)) {
    return false;
  }
  const std::string& local = parts->first;
  return ascii::iequals(local, "feedpop") || ascii::iequals(local, "subscribe") ||
         ascii::iequals(local, "unsubscribe");
}

} // namespace feedpop::smtp
