#include "smtp/mime.hpp"

#include "common/ascii.hpp"
#include "common/base64.hpp"

namespace feedpop::smtp::mime {
namespace {

constexpr int max_depth = 8;
constexpr std::size_t max_parts = 100;

int hex_value(char c) {
  if (ascii::is_digit(c)) {
    return c - '0';
  }
  const char l = ascii::lower(c);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

// Quoted-printable (RFC 2045 §6.7); `underscore_space` for RFC 2047's Q encoding.
std::string decode_qp(std::string_view in, bool underscore_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '_' && underscore_space) {
      out += ' ';
    } else if (c != '=') {
      out += c;
    } else if (i + 1 < in.size() && (in[i + 1] == '\r' || in[i + 1] == '\n')) {
      i += in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n' ? 2 : 1; // soft break
    } else if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += c; // RFC 2045 §6.7 (note 1): a lone "=" is kept
    }
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view in) {
  std::string compact;
  compact.reserve(in.size());
  for (const char c : in) {
    if (!ascii::is_space(c)) {
      compact += c;
    }
  }
  return base64::decode(compact);
}

// RFC 2231 §4: charset'language'value with %XX escapes; the charset is not converted.
std::string decode_extended_value(std::string_view v) {
  const auto quote = v.find('\'', v.find('\'') + 1);
  if (v.find('\'') == std::string_view::npos || quote == std::string_view::npos) {
    return std::string(v);
  }
  std::string decoded;
  const std::string_view raw = v.substr(quote + 1);
  for (std::size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] == '%' && k + 2 < raw.size() && hex_value(raw[k + 1]) >= 0 &&
        hex_value(raw[k + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(raw[k + 1]) * 16 + hex_value(raw[k + 2]));
      k += 2;
    } else {
      decoded += raw[k];
    }
  }
  return decoded;
}

std::string_view next_line(std::string_view text, std::size_t& pos) {
  const auto lf = text.find('\n', pos);
  const auto end = lf == std::string_view::npos ? text.size() : lf;
  std::string_view line = text.substr(pos, end - pos);
  pos = lf == std::string_view::npos ? text.size() : lf + 1;
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

// The bodies of a multipart entity (RFC 2046 §5.1.1): between "--boundary" lines, up to
// "--boundary--".
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = 0;
  std::optional<std::size_t> part_start;
  while (pos < body.size() && parts.size() < max_parts) {
    const std::size_t line_start = pos;
    const std::string_view line = next_line(body, pos);
    if (line.substr(0, delimiter.size()) != delimiter) {
      continue;
    }
    const std::string_view after = ascii::trim(line.substr(delimiter.size()));
    if (!after.empty() && after != "--") {
      continue; // a longer boundary that merely starts with ours
    }
    if (part_start) {
      std::size_t end = line_start; // the CRLF before the delimiter belongs to it
      if (end > *part_start && body[end - 1] == '\n') {
        --end;
        if (end > *part_start && body[end - 1] == '\r') {
          --end;
        }
      }
      parts.push_back(body.substr(*part_start, end - *part_start));
    }
    if (after == "--") {
      break;
    }
    part_start = pos;
  }
  return parts;
}

bool is_attachment(const Entity& e) {
  const auto d = e.header("content-disposition");
  return d && ascii::iequals(ascii::trim(d->substr(0, d->find(';'))), "attachment");
}

std::optional<std::string> file_name(const Entity& e, const ContentType& type) {
  const auto d = e.header("content-disposition");
  const auto semi = d ? d->find(';') : std::string_view::npos;
  if (semi != std::string_view::npos) {
    // Its parameters have Content-Type's syntax (RFC 2183 §2).
    const auto params = parse_content_type("x/x" + std::string(d->substr(semi)));
    if (const auto f = params.param("filename")) {
      return decode_words(*f);
    }
  }
  if (const auto n = type.param("name")) {
    return decode_words(*n);
  }
  return std::nullopt;
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii::iequals(s.substr(s.size() - suffix.size()), suffix);
}

void walk(const Entity& e, int depth, std::size_t& count, Parts& out) {
  if (++count > max_parts || depth > max_depth) {
    return;
  }
  const auto ct = e.header("content-type");
  const ContentType type = ct ? parse_content_type(*ct) : ContentType{};
  if (type.type.rfind("multipart/", 0) == 0) {
    const auto boundary = type.param("boundary");
    if (!boundary || boundary->empty()) {
      return;
    }
    for (const auto part : split_multipart(e.body, *boundary)) {
      walk(parse_entity(part), depth + 1, count, out);
    }
    return;
  }
  const auto name = file_name(e, type);
  const bool opml =
      type.type.find("opml") != std::string::npos || (name && ends_with_ci(*name, ".opml"));
  if (opml && !out.opml) {
    out.opml = decode_body(e);
    out.opml_name = name;
  } else if (type.type == "text/plain" && !is_attachment(e) && !out.text) {
    out.text = decode_body(e);
    const auto format = type.param("format");
    const auto delsp = type.param("delsp");
    out.flowed = format && ascii::iequals(*format, "flowed");
    out.delsp = delsp && ascii::iequals(*delsp, "yes");
  }
}

} // namespace

std::optional<std::string_view> Entity::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (ascii::iequals_both(h.name, name)) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

Entity parse_entity(std::string_view text) {
  Entity e;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const std::string_view line = next_line(text, pos);
    if (line.empty()) {
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !e.headers.empty()) {
      e.headers.back().value += ' ';
      e.headers.back().value.append(ascii::trim(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      pos = start; // not a header: the body starts here (no separating empty line)
      break;
    }
    e.headers.push_back({std::string(ascii::trim(line.substr(0, colon))),
                         std::string(ascii::trim(line.substr(colon + 1)))});
  }
  e.body = text.substr(pos);
  return e;
}

std::optional<std::string_view> ContentType::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

ContentType parse_content_type(std::string_view value) {
  ContentType out;
  const auto semi = value.find(';');
  const std::string_view type = ascii::trim(value.substr(0, semi));
  if (type.find('/') != std::string_view::npos) {
    out.type = ascii::lower(type);
  }
  std::size_t pos = semi == std::string_view::npos ? value.size() : semi + 1;
  while (pos < value.size()) {
    const auto eq = value.find('=', pos);
    if (eq == std::string_view::npos) {
      break;
    }
    std::string name = ascii::lower(ascii::trim(value.substr(pos, eq - pos)));
    std::size_t i = eq + 1;
    while (i < value.size() && value[i] == ' ') {
      ++i;
    }
    std::string v;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) {
          ++i;
        }
        v += value[i];
      }
      const auto next = value.find(';', i);
      pos = next == std::string_view::npos ? value.size() : next + 1;
    } else {
      const auto next = value.find(';', i);
      v = std::string(
          ascii::trim(value.substr(i, next == std::string_view::npos ? next : next - i)));
      pos = next == std::string_view::npos ? value.size() : next + 1;
    }
    if (!name.empty() && name.back() == '*') {
      name.pop_back();
      v = decode_extended_value(v);
    }
    out.params.emplace_back(std::move(name), std::move(v));
  }
  return out;
}

std::optional<std::string> decode_body(const Entity& entity) {
  const auto cte = entity.header("content-transfer-encoding");
  const std::string_view encoding = cte ? ascii::trim(*cte) : std::string_view{};
  if (ascii::iequals(encoding, "base64")) {
    return decode_base64(entity.body);
  }
  if (ascii::iequals(encoding, "quoted-printable")) {
    return decode_qp(entity.body, false);
  }
  return std::string(entity.body);
}

std::string decode_words(std::string_view value) {
  std::string out;
  std::size_t pos = 0;
  bool last_was_word = false;
  while (pos < value.size()) {
    const auto start = value.find("=?", pos);
    if (start == std::string_view::npos) {
      out.append(value.substr(pos));
      break;
    }
    const auto q1 = value.find('?', start + 2);
    const auto q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    const auto end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out.append(value.substr(pos));
      break;
    }
    const std::string_view between = value.substr(pos, start - pos);
    // RFC 2047 §6.2: white space between two encoded-words is dropped.
    if (!(last_was_word && ascii::trim(between).empty())) {
      out.append(between);
    }
    const char encoding = ascii::lower(value[q1 + 1]);
    const std::string_view text = value.substr(q2 + 1, end - q2 - 1);
    if (encoding == 'q') {
      out += decode_qp(text, true);
    } else if (encoding == 'b') {
      out += decode_base64(text).value_or(std::string(value.substr(start, end + 2 - start)));
    } else {
      out.append(value.substr(start, end + 2 - start));
    }
    last_was_word = true;
    pos = end + 2;
  }
  return out;
}

Parts find_parts(const Entity& message) {
  Parts out;
  std::size_t count = 0;
  walk(message, 0, count, out);
  return out;
}

} // namespace feedpop::smtp::mime
