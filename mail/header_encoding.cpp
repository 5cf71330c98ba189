#include "mail/header_encoding.hpp"

#include <array>
#include <vector>

#include <fmt/format.h>

#include "common/base64.hpp"
#include "common/utf8.hpp"

namespace feedpop::mail {
namespace {

// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters; RFC 2047 §2: an encoded-word is
// at most 75 characters and a line holding one at most 76. Every header line keeps to 76.
constexpr std::size_t ew_line_limit = 76;
constexpr std::size_t ew_limit = 75;
constexpr std::size_t ew_overhead = 12; // "=?UTF-8?B?" + "?="
// A word longer than this cannot be folded onto a line of its own and is encoded instead.
constexpr std::size_t longest_plain_word = 70;

bool is_space_like(char32_t cp) {
  return cp <= 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

// RFC 2047 §5(3): the characters a Q encoded-word may carry literally in a phrase; the
// same (stricter) set is used for unstructured text so one encoder serves both.
bool q_literal(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '!' ||
         c == '*' || c == '+' || c == '-' || c == '/';
}

std::size_t q_length(std::string_view text) {
  std::size_t n = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    n += (q_literal(c) || c == ' ') ? 1 : 3;
  }
  return n;
}

std::size_t b_length(std::size_t bytes) {
  return base64::encoded_size(bytes);
}

enum class EwKind { q, b };

EwKind best_kind(std::string_view text) {
  return q_length(text) <= b_length(text.size()) ? EwKind::q : EwKind::b;
}

std::string encode_payload(std::string_view text, EwKind kind) {
  std::string out;
  if (kind == EwKind::q) {
    for (const char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (q_literal(c)) {
        out += ch;
      } else if (c == ' ') {
        out += '_';
      } else {
        out += fmt::format("={:02X}", c);
      }
    }
    return out;
  }
  return base64::encode(text);
}

std::string encoded_word(std::string_view text, EwKind kind) {
  return fmt::format("=?UTF-8?{}?{}?=", kind == EwKind::q ? 'Q' : 'B', encode_payload(text, kind));
}

std::size_t encoded_length(std::string_view text, EwKind kind) {
  return ew_overhead + (kind == EwKind::q ? q_length(text) : b_length(text.size()));
}

// The longest prefix of text[pos..] made of whole characters whose encoded-word fits in
// `budget`; at least one character (the caller guarantees room for any single one).
std::size_t chunk_end(std::string_view text, std::size_t pos, EwKind kind, std::size_t budget) {
  std::size_t end = pos;
  std::size_t q = 0;
  while (end < text.size()) {
    const std::size_t len = utf8::scan(text, end).length;
    const std::size_t next_q = q + q_length(text.substr(end, len));
    const std::size_t size = ew_overhead + (kind == EwKind::q ? next_q : b_length(end + len - pos));
    if (size > budget && end > pos) {
      break;
    }
    q = next_q;
    end += len;
  }
  return end;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t space = text.find(' ', pos);
    const std::size_t end = space == std::string_view::npos ? text.size() : space;
    if (end > pos) {
      words.push_back(text.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  return words;
}

bool is_plain_word(std::string_view word) {
  if (word.size() > longest_plain_word || word.find("=?") != std::string_view::npos) {
    return false;
  }
  for (const char ch : word) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E) {
      return false;
    }
  }
  return true;
}

// RFC 5322 §3.2.3 atext.
bool is_atom(std::string_view word) {
  for (const char ch : word) {
    const auto c = static_cast<unsigned char>(ch);
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) == std::string_view::npos) {
      return false;
    }
  }
  return !word.empty();
}

// Lays out whitespace-separated tokens after "Name:", folding before a token that would
// pass the limit (RFC 5322 §2.2.3: folding inserts CRLF before existing white space).
class FieldWriter {
public:
  explicit FieldWriter(std::string_view name) : out_(name), column_(name.size() + 1) {
    out_ += ':';
  }

  void fold() {
    out_ += "\r\n";
    column_ = 0;
  }

  void put(std::string_view token, std::size_t limit = ew_line_limit) {
    if (column_ + 1 + token.size() > limit && !first_) {
      fold();
    }
    out_ += ' ';
    out_ += token;
    column_ += 1 + token.size();
    first_ = false;
  }

  // A run of encoded text: as many encoded-words as it takes, each filling the room left.
  void put_encoded(std::string_view text) {
    const EwKind kind = best_kind(text);
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t budget = std::min(ew_limit, ew_line_limit - column_ - 1);
      if (column_ + 1 + ew_overhead + 12 > ew_line_limit) {
        fold();
        budget = std::min(ew_limit, ew_line_limit - 1);
      }
      const std::size_t end = chunk_end(text, pos, kind, budget);
      put(encoded_word(text.substr(pos, end - pos), kind), ew_line_limit);
      pos = end;
    }
  }

  // A phrase run made to fit one encoded-word by fit_display_name(): never split, folded
  // onto its own line when the current one has no room (see fit_display_name()).
  void put_single_encoded(std::string_view text) {
    const EwKind kind = best_kind(text);
    if (encoded_length(text, kind) > ew_limit) {
      put_encoded(text); // not from fit_display_name(); still valid, if less portable
      return;
    }
    put(encoded_word(text, kind), ew_line_limit);
  }

  std::string finish() {
    out_ += "\r\n";
    return std::move(out_);
  }

private:
  std::string out_;
  std::size_t column_;
  bool first_ = true;
};

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
    }
    out += ch;
  }
  out += '"';
  return out;
}

bool needs_encoding_in_phrase(std::string_view word) {
  return !is_plain_word(word);
}

} // namespace

std::string normalize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Scan scan = utf8::scan(text, i);
    const std::size_t len = scan.length;
    if (!scan.valid) {
      if (pending_space && !out.empty()) {
        out += ' ';
      }
      pending_space = false;
      out += utf8::replacement;
      i += len;
      continue;
    }
    if (is_space_like(utf8::decode(text, i, len))) {
      pending_space = true;
    } else {
      if (pending_space && !out.empty()) {
        out += ' ';
      }
      pending_space = false;
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string fit_display_name(std::string_view normalized) {
  const auto words = split_words(normalized);
  std::string out;
  std::size_t i = 0;
  while (i < words.size()) {
    if (!needs_encoding_in_phrase(words[i])) {
      out += out.empty() ? "" : " ";
      out += words[i++];
      continue;
    }
    std::string run(words[i++]);
    while (i < words.size() && needs_encoding_in_phrase(words[i])) {
      run += ' ';
      run += words[i++];
    }
    if (encoded_length(run, best_kind(run)) > ew_limit) {
      // Cut whole characters until "run…" fits in one encoded-word; drop the rest.
      std::size_t end = 0;
      for (std::size_t pos = 0; pos < run.size();) {
        const std::size_t len = utf8::scan(run, pos).length;
        const std::string candidate = run.substr(0, pos + len) + "\xE2\x80\xA6";
        if (encoded_length(candidate, best_kind(candidate)) > ew_limit) {
          break;
        }
        end = pos + len;
        pos += len;
      }
      std::string cut = normalize_text(run.substr(0, end)); // no trailing space
      out += out.empty() ? "" : " ";
      out += cut + "\xE2\x80\xA6";
      return out;
    }
    out += out.empty() ? "" : " ";
    out += run;
  }
  return out;
}

std::string unstructured_field(std::string_view name, std::string_view text) {
  FieldWriter field(name);
  const auto words = split_words(text);
  std::size_t i = 0;
  while (i < words.size()) {
    if (is_plain_word(words[i])) {
      field.put(words[i++]);
      continue;
    }
    // RFC 2047 §6.2: white space between adjacent encoded-words is dropped, so the spaces
    // inside a run travel inside the encoded text.
    std::string run(words[i++]);
    while (i < words.size() && !is_plain_word(words[i])) {
      run += ' ';
      run += words[i++];
    }
    field.put_encoded(run);
  }
  return field.finish();
}

std::string address_field(std::string_view name, std::string_view display_name,
                          std::string_view address) {
  FieldWriter field(name);
  const auto words = split_words(display_name);
  std::size_t i = 0;
  while (i < words.size()) {
    if (needs_encoding_in_phrase(words[i])) {
      std::string run(words[i++]);
      while (i < words.size() && needs_encoding_in_phrase(words[i])) {
        run += ' ';
        run += words[i++];
      }
      field.put_single_encoded(run);
      continue;
    }
    // Plain words: atoms as they are, the others grouped into one quoted-string while it
    // stays short enough to fold as a unit.
    if (is_atom(words[i])) {
      field.put(words[i++]);
      continue;
    }
    std::string group(words[i++]);
    while (i < words.size() && !needs_encoding_in_phrase(words[i]) &&
           group.size() + 1 + words[i].size() <= longest_plain_word) {
      group += ' ';
      group += words[i++];
    }
    field.put(quoted(group));
  }
  field.put(fmt::format("<{}>", address));
  return field.finish();
}

std::string raw_field(std::string_view name, std::string_view value) {
  return fmt::format("{}: {}\r\n", name, value);
}

std::string rfc5322_date(std::chrono::sys_seconds time) {
  static constexpr std::array<std::string_view, 7> weekdays = {"Sun", "Mon", "Tue", "Wed",
                                                               "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{time - days};
  const std::chrono::weekday wd{days};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", weekdays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string uri_for_header(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F ||
        std::string_view("\"<>\\^`{|}").find(ch) != std::string_view::npos) {
      out += fmt::format("%{:02X}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

// RFC 5322 §3.2.3 atext, minus the characters that confuse people in addresses: the
// feed key becomes a local part, a Message-ID part and a List-Id label.
std::string atom_of(std::string_view key) {
  std::string out;
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    ch == '-' || ch == '_';
    out += ok ? ch : '-';
  }
  return out.empty() ? std::string("feed") : out;
}

// A dot-atom domain (RFC 5322 §3.4.1); anything else falls back to the default.
std::string domain_of(std::string_view hostname) {
  bool ok = !hostname.empty() && hostname.front() != '.' && hostname.back() != '.' &&
            hostname.find("..") == std::string_view::npos;
  for (const char ch : hostname) {
    const auto c = static_cast<unsigned char>(ch);
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                ch == '-' || ch == '.');
  }
  return ok ? std::string(hostname) : std::string("feedpop.localhost");
}

} // namespace feedpop::mail
