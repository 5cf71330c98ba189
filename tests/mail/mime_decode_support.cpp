#include "mime_decode_support.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>

namespace feedpop::mail::test {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  throw std::runtime_error(std::string("bad hex digit in encoding: ") + c);
}

std::string decode_encoded_word(std::string_view word) {
  // =?charset?X?text?=
  const std::size_t q1 = word.find('?', 2);
  const std::size_t q2 = word.find('?', q1 + 1);
  const std::string_view charset = word.substr(2, q1 - 2);
  if (charset != "UTF-8") {
    throw std::runtime_error("unexpected charset " + std::string(charset));
  }
  const char kind = word[q1 + 1];
  const std::string_view text = word.substr(q2 + 1, word.size() - q2 - 3);
  if (kind == 'B') {
    return decode_base64(text);
  }
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out += ' ';
    } else if (text[i] == '=') {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool is_encoded_word(std::string_view token) {
  return token.size() >= 8 && token.starts_with("=?") && token.ends_with("?=") &&
         std::count(token.begin(), token.end(), '?') == 4;
}

} // namespace

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    if (text.substr(i + 1, 2) == "\r\n") {
      i += 2; // soft line break
      continue;
    }
    out += static_cast<char>(hex_value(text.at(i + 1)) * 16 + hex_value(text.at(i + 2)));
    i += 2;
  }
  return out;
}

std::string decode_base64(std::string_view text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '=') {
      continue;
    }
    const std::size_t v = alphabet.find(c);
    if (v == std::string::npos) {
      throw std::runtime_error(std::string("bad base64 character ") + c);
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

std::string decode_unstructured(std::string_view field_body) {
  std::string unfolded;
  for (std::size_t i = 0; i < field_body.size(); ++i) {
    if (field_body.substr(i, 2) == "\r\n") {
      ++i;
      continue;
    }
    unfolded += field_body[i];
  }
  // Tokens separated by white space; white space between two encoded-words is dropped.
  std::string out;
  std::string pending_space;
  bool last_encoded = false;
  std::size_t pos = 0;
  while (pos < unfolded.size()) {
    const std::size_t start = unfolded.find_first_not_of(" \t", pos);
    if (start == std::string::npos) {
      break;
    }
    pending_space = unfolded.substr(pos, start - pos);
    const std::size_t end = std::min(unfolded.find_first_of(" \t", start), unfolded.size());
    const std::string_view token = std::string_view(unfolded).substr(start, end - start);
    const bool encoded = is_encoded_word(token);
    if (!out.empty() && !(encoded && last_encoded)) {
      out += pending_space;
    }
    out += encoded ? decode_encoded_word(token) : std::string(token);
    last_encoded = encoded;
    pos = end;
  }
  return out;
}

std::map<std::string, std::string> header_fields(std::string_view message) {
  std::map<std::string, std::string> fields;
  const std::size_t end = message.find("\r\n\r\n");
  const std::string_view head = message.substr(0, end + 2);
  std::string name;
  std::string body;
  std::size_t pos = 0;
  auto commit = [&] {
    if (!name.empty() && fields.find(name) == fields.end()) {
      fields[name] = body;
    }
  };
  while (pos < head.size()) {
    const std::size_t eol = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      body += "\r\n";
      body += line;
      continue;
    }
    commit();
    const std::size_t colon = line.find(':');
    name = std::string(line.substr(0, colon));
    body = std::string(line.substr(colon + 1));
  }
  commit();
  return fields;
}

std::vector<std::string> crlf_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      lines.emplace_back(text.substr(pos));
      break;
    }
    lines.emplace_back(text.substr(pos, eol - pos));
    pos = eol + 2;
  }
  return lines;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > text.size()) {
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += len;
  }
  return true;
}

} // namespace feedpop::mail::test
