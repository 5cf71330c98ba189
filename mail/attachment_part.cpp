#include "mail/attachment_part.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/utf8.hpp"

namespace feedpop::mail {

namespace {

// File names longer than this are cut (whole characters): a header line stays short.
constexpr std::size_t kMaxNameBytes = 180;

std::string safe_name(std::string_view value) {
  std::string name;
  for (const char c : utf8::repair(value)) {
    const auto b = static_cast<unsigned char>(c);
    name += (b < 0x20 || b == 0x7F || c == '"' || c == '\\' || c == '/') ? '_' : c;
  }
  if (name.size() > kMaxNameBytes) {
    std::size_t cut = kMaxNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    name.resize(cut);
  }
  const std::string_view trimmed = ascii::trim(name);
  return trimmed.empty() || trimmed == "." || trimmed == ".." ? std::string("attachment")
                                                              : std::string(trimmed);
}

// The media type alone, lower case, when it is a plausible type/subtype; else the
// RFC 2046 §4.5.1 default for unknown data.
std::string media_type(std::string_view type) {
  const std::string t = ascii::lower(ascii::trim(type.substr(0, type.find(';'))));
  const auto slash = t.find('/');
  const bool ok =
      slash != std::string::npos && slash > 0 && slash + 1 < t.size() && t.size() < 128 &&
      t.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789!#$&-^_.+/") == std::string::npos;
  return ok ? t : std::string("application/octet-stream");
}

} // namespace

std::string file_name_parameter(std::string_view name, std::string_view value) {
  const std::string v = safe_name(value);
  const bool plain = std::all_of(v.begin(), v.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0x20 && b < 0x7F;
  });
  if (plain) {
    return fmt::format("{}=\"{}\"", name, v);
  }
  // RFC 2231 §4: attribute-char is an ASCII token character other than * ' %.
  std::string encoded;
  for (const char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if (ascii::is_alnum(c) || std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      encoded += c;
    } else {
      encoded += fmt::format("%{:02X}", b);
    }
  }
  return fmt::format("{}*=utf-8''{}", name, encoded);
}

std::string attachment_part(const Attachment& attachment) {
  std::string out =
      fmt::format("Content-Type: {};\r\n {}\r\nContent-Transfer-Encoding: base64\r\n"
                  "Content-Disposition: attachment;\r\n {}\r\n\r\n",
                  media_type(attachment.type), file_name_parameter("name", attachment.filename),
                  file_name_parameter("filename", attachment.filename));
  out += base64::encode_lines(attachment.bytes);
  return out;
}

} // namespace feedpop::mail
