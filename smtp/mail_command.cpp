#include "smtp/mail_command.hpp"

#include <array>
#include <initializer_list>
#include <utility>

#include "common/ascii.hpp"
#include "smtp/mime.hpp"

namespace feedpop::smtp {
namespace {

using Kind = MailCommand::Kind;
using LineResult = std::variant<NotACommand, MailCommand, MailCommandError>;

constexpr std::size_t max_url_length = 2048;

struct Word {
  std::string_view name;
  Kind kind;
};
constexpr std::array<Word, 8> words{{{"subscribe", Kind::Subscribe},
                                     {"unsubscribe", Kind::Unsubscribe},
                                     {"pause", Kind::Pause},
                                     {"resume", Kind::Resume},
                                     {"list", Kind::List},
                                     {"export", Kind::Export},
                                     {"import", Kind::Import},
                                     {"help", Kind::Help}}};

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && ascii::is_space(line[pos])) {
      ++pos;
    }
    std::size_t end = pos;
    while (end < line.size() && !ascii::is_space(line[end])) {
      ++end;
    }
    if (end > pos) {
      out.push_back(line.substr(pos, end - pos));
    }
    pos = end;
  }
  return out;
}

bool is_feed_url(std::string_view url) {
  std::string_view rest;
  if (url.size() > 7 && ascii::iequals(url.substr(0, 7), "http://")) {
    rest = url.substr(7);
  } else if (url.size() > 8 && ascii::iequals(url.substr(0, 8), "https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return false;
    }
  }
  return !rest.empty() && rest.front() != '/' && url.size() <= max_url_length;
}

MailCommandError error(std::string_view line, std::string message) {
  return {std::string(line), std::move(message)};
}

// Concatenation by appending (GCC 12's -Wrestrict misfires on `"literal" + std::string`).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto p : parts) {
    out.append(p);
  }
  return out;
}

const std::string key_rule = "use letters, digits, '.', '_' and '-' (at most 64, no leading, "
                             "trailing or double dot)";

LineResult parse_subscribe(std::string_view line, const std::vector<std::string_view>& w) {
  static const std::string usage = "write: subscribe URL [as KEY] [tag TAG...]";
  if (w.size() < 2) {
    return error(line, "subscribe needs a feed or web page URL; " + usage);
  }
  MailCommand c{Kind::Subscribe, {}, {}, {}, std::string(line)};
  std::string_view url = w[1];
  if (url.size() >= 2 && url.front() == '<' && url.back() == '>') {
    url = url.substr(1, url.size() - 2); // mail clients mark links as <URL>
  }
  if (!is_feed_url(url)) {
    return error(line, cat({"'", url, "' is not an http:// or https:// URL; ", usage}));
  }
  c.url = std::string(url);
  bool in_tags = false;
  for (std::size_t i = 2; i < w.size(); ++i) {
    if (ascii::iequals(w[i], "as") && c.key.empty()) {
      if (i + 1 >= w.size()) {
        return error(line, "'as' needs a feed key; " + usage);
      }
      if (!is_valid_feed_key(w[i + 1])) {
        return error(line, cat({"invalid feed key '", w[i + 1], "': ", key_rule}));
      }
      c.key = std::string(w[++i]);
      in_tags = false;
    } else if ((ascii::iequals(w[i], "tag") || ascii::iequals(w[i], "tags")) && !in_tags) {
      in_tags = true;
    } else if (in_tags) {
      if (!is_valid_feed_key(w[i])) {
        return error(line, cat({"invalid tag '", w[i], "': ", key_rule}));
      }
      c.tags.emplace_back(w[i]);
    } else {
      return error(line, cat({"unexpected '", w[i], "'; ", usage}));
    }
  }
  if (in_tags && c.tags.empty()) {
    return error(line, "'tag' needs at least one tag; " + usage);
  }
  return c;
}

LineResult parse_words(std::string_view line, const std::vector<std::string_view>& w) {
  const Word* word = nullptr;
  for (const auto& candidate : words) {
    if (ascii::iequals(w[0], candidate.name)) {
      word = &candidate;
    }
  }
  if (word == nullptr) {
    return NotACommand{};
  }
  const std::string name(word->name);
  switch (word->kind) {
  case Kind::Subscribe:
    return parse_subscribe(line, w);
  case Kind::Unsubscribe:
  case Kind::Pause:
  case Kind::Resume:
    if (w.size() != 2) {
      return error(line, name + " needs exactly one feed key; write: " + name + " KEY");
    }
    if (!is_valid_feed_key(w[1])) {
      return error(line, cat({"invalid feed key '", w[1], "': ", key_rule}));
    }
    return MailCommand{word->kind, {}, std::string(w[1]), {}, std::string(line)};
  case Kind::List:
  case Kind::Export:
  case Kind::Import:
  case Kind::Help:
    if (w.size() != 1) {
      return error(line, name + " takes no arguments");
    }
    return MailCommand{word->kind, {}, {}, {}, std::string(line)};
  }
  return NotACommand{};
}

// "Re: Fwd: list" → "list" (replies to feedpop's own replies keep working).
std::string_view strip_reply_prefixes(std::string_view subject) {
  for (;;) {
    subject = ascii::trim(subject);
    const auto colon = subject.find(':');
    if (colon == std::string_view::npos) {
      return subject;
    }
    const auto prefix = ascii::trim(subject.substr(0, colon));
    if (!ascii::iequals(prefix, "re") && !ascii::iequals(prefix, "fwd") &&
        !ascii::iequals(prefix, "fw")) {
      return subject;
    }
    subject.remove_prefix(colon + 1);
  }
}

// The body's lines; format=flowed soft breaks (a line ending in a space, RFC 3676 §4.2)
// joined, space-stuffing (§4.4) undone.
std::vector<std::string> body_lines(std::string_view text, bool flowed, bool delsp) {
  std::vector<std::string> lines;
  bool joining = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto lf = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, lf == std::string_view::npos ? std::string_view::npos : lf - pos);
    pos = lf == std::string_view::npos ? text.size() : lf + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (flowed && !line.empty() && line.front() == ' ') {
      line.remove_prefix(1);
    }
    const bool soft = flowed && !line.empty() && line.back() == ' ' && line != "-- ";
    if (soft && delsp) {
      line.remove_suffix(1);
    }
    if (joining) {
      lines.back().append(line);
    } else {
      lines.emplace_back(line);
    }
    joining = soft;
  }
  return lines;
}

void add(CommandMail& mail, LineResult&& r) {
  if (auto* c = std::get_if<MailCommand>(&r)) {
    if (mail.commands.size() >= max_mail_commands) {
      if (mail.errors.empty() || mail.errors.back().line != "(more commands)") {
        mail.errors.push_back(
            {"(more commands)", "at most " + std::to_string(max_mail_commands) +
                                    " commands per mail; send the rest in another"});
      }
      return;
    }
    mail.commands.push_back(std::move(*c));
  } else if (auto* e = std::get_if<MailCommandError>(&r)) {
    mail.errors.push_back(std::move(*e));
  }
}

} // namespace

bool is_valid_feed_key(std::string_view key) {
  if (key.empty() || key.size() > 64 || key.front() == '.' || key.back() == '.' ||
      key.find("..") != std::string_view::npos) {
    return false;
  }
  for (const char c : key) {
    if (!ascii::is_alnum(c) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::variant<NotACommand, MailCommand, MailCommandError> parse_command_line(std::string_view line) {
  line = ascii::trim(line);
  const auto w = split_words(line);
  if (w.empty()) {
    return NotACommand{};
  }
  return parse_words(line, w);
}

CommandMail parse_command_mail(std::string_view message) {
  CommandMail mail;
  const mime::Entity top = mime::parse_entity(message);
  if (const auto s = top.header("subject")) {
    mail.subject = mime::decode_words(*s);
  }
  if (const auto id = top.header("message-id")) {
    mail.message_id = std::string(ascii::trim(*id));
  }
  add(mail, parse_command_line(strip_reply_prefixes(mail.subject)));
  const mime::Parts parts = mime::find_parts(top);
  mail.opml = parts.opml;
  mail.opml_name = parts.opml_name;
  if (parts.text) {
    for (const auto& raw : body_lines(*parts.text, parts.flowed, parts.delsp)) {
      if (raw == "-- " || raw == "--") {
        break; // RFC 3676 §4.3 signature
      }
      const std::string_view line = ascii::trim(raw);
      if (line.empty() || line.front() == '>') {
        continue;
      }
      auto r = parse_command_line(line);
      if (std::holds_alternative<NotACommand>(r)) {
        break;
      }
      add(mail, std::move(r));
    }
  }
  if (!mail.opml) {
    for (auto it = mail.commands.begin(); it != mail.commands.end();) {
      if (it->kind != Kind::Import) {
        ++it;
        continue;
      }
      mail.errors.push_back({it->line, "import needs an OPML file attached (the export of "
                                       "another feed reader, or of feedpop)"});
      it = mail.commands.erase(it);
    }
  }
  return mail;
}

} // namespace feedpop::smtp
