#include "mail/transfer_encoding.hpp"

#include <array>

#include "common/base64.hpp"

namespace feedpop::mail {
namespace {

constexpr std::string_view hex_digits = "0123456789ABCDEF";
constexpr std::size_t qp_line = 76;     // RFC 2045 §6.7 rule 5
constexpr std::size_t base64_line = 76; // RFC 2045 §6.8

// Calls on_line for each line of text, "\n", "\r\n" and a lone "\r" all ending a line
// (the canonical form of text, RFC 2045 §2.10). A final line break adds no empty line.
template <typename F> void for_each_line(std::string_view text, F&& on_line) {
  // A plain loop: find_first_of with a two-character set costs a memchr per byte.
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = pos;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') {
      ++end;
    }
    on_line(text.substr(pos, end - pos));
    if (end == text.size()) {
      return;
    }
    pos = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
  }
}

// Printable ASCII except "=" stands for itself (RFC 2045 §6.7 rule 2); space and tab do
// too except at the end of a line (rule 3), which qp_line_into checks itself.
constexpr std::array<bool, 256> qp_literal = [] {
  std::array<bool, 256> t{};
  for (int c = 33; c <= 126; ++c) {
    t[static_cast<std::size_t>(c)] = c != '=';
  }
  t[' '] = true;
  t['\t'] = true;
  return t;
}();

// Rendering's hot loop: runs of literal characters are appended whole, as many per output
// line as fit; only the characters that need "=XX" are handled one at a time.
void qp_line_into(std::string& out, std::string_view line) {
  const std::size_t n = line.size();
  // A line starting "From " would be mangled by mbox readers: its "F" is escaped.
  const bool mbox_from = line.starts_with("From ");
  std::size_t column = 0;
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i;
    if (!(i == 0 && mbox_from)) {
      while (j < n && qp_literal[static_cast<unsigned char>(line[j])]) {
        ++j;
      }
      // White space ending the line is escaped (rule 3): the run stops before it.
      if (j == n && j > i && (line[j - 1] == ' ' || line[j - 1] == '\t')) {
        --j;
      }
    }
    while (i < j) {
      const std::size_t k = j - i;
      // Every character but the line's last must leave room for a soft break's "=".
      if (column + k <= qp_line - 1 || (j == n && column + k == qp_line)) {
        out.append(line.data() + i, k);
        column += k;
        i = j;
      } else {
        const std::size_t take = qp_line - 1 - column;
        out.append(line.data() + i, take);
        out.append("=\r\n");
        column = 0;
        i += take;
      }
    }
    if (i == n) {
      break;
    }
    // One escaped character, "=XX", after a soft break if it does not fit.
    const auto c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == n;
    if (column + 3 > (last ? qp_line : qp_line - 1)) {
      out.append("=\r\n");
      column = 0;
    }
    const char escaped[3] = {'=', hex_digits[c >> 4], hex_digits[c & 15]};
    out.append(escaped, 3);
    column += 3;
    ++i;
  }
  out.append("\r\n");
}

std::size_t canonical_size(std::string_view text) {
  std::size_t size = 0;
  for_each_line(text, [&](std::string_view line) { size += line.size() + 2; });
  return size;
}

std::size_t base64_size(std::size_t bytes) {
  return base64::encoded_lines_size(bytes, base64_line);
}

} // namespace

std::string quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 16);
  for_each_line(text, [&](std::string_view line) { qp_line_into(out, line); });
  return out;
}

std::string base64_body(std::string_view text) {
  std::string canonical;
  canonical.reserve(text.size() + text.size() / 32 + 2);
  for_each_line(text, [&](std::string_view line) {
    canonical.append(line);
    canonical += "\r\n";
  });
  return base64::encode_lines(canonical, base64_line);
}

EncodedBody encode_text(std::string_view text) {
  std::string qp = quoted_printable(text);
  // Base64's size is known without encoding: build it only when it wins.
  if (base64_size(canonical_size(text)) < qp.size()) {
    return {"base64", base64_body(text)};
  }
  return {"quoted-printable", std::move(qp)};
}

} // namespace feedpop::mail
