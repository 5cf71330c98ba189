#include "ingest/revisions.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "content/tracking.hpp"
#include "feeds/html.hpp"

namespace feedpop::ingest {

namespace {

// Inline elements: their tags sit inside words ("un<em>believ</em>able") or between words
// that already have a space; every other tag (p, div, br, li, td, img, ...) ends a word.
constexpr std::array<std::string_view, 26> inline_elements = {
    "a",    "abbr",  "b",    "bdi",    "bdo",    "cite", "code", "data", "del",
    "dfn",  "em",    "font", "i",      "ins",    "kbd",  "mark", "q",    "s",
    "samp", "small", "span", "strike", "strong", "sub",  "sup",  "u"};

bool is_inline(std::string_view name) {
  return std::find(inline_elements.begin(), inline_elements.end(), name) != inline_elements.end();
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// White space runs (and U+00A0) become one space; no leading or trailing space.
void append_collapsed(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool nbsp = text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
    if (is_space(text[i]) || nbsp) {
      i += nbsp ? 1 : 0;
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') {
        out += ' ';
      }
      continue;
    }
    out += text[i];
  }
}

std::string text_of(std::string_view html) {
  std::string out;
  int skip = 0;
  feeds::html::tokenize(html, [&](const feeds::html::Token& t) {
    using Kind = feeds::html::Token::Kind;
    const bool hidden = t.name == "script" || t.name == "style";
    if (t.kind == Kind::start_tag && hidden && !t.self_closing) {
      ++skip;
    } else if (t.kind == Kind::end_tag && hidden) {
      skip = std::max(0, skip - 1);
    } else if (t.kind == Kind::text && skip == 0) {
      append_collapsed(out, t.text);
    } else if ((t.kind == Kind::start_tag || t.kind == Kind::end_tag) && !is_inline(t.name)) {
      append_collapsed(out, " ");
    }
  });
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

bool is_ascii_punctuation(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Month and weekday names, and what a date or time carries around its digits.
bool is_date_word(const std::string& w) {
  static constexpr std::array<std::string_view, 44> names = {
      "january",  "february", "march",    "april",  "may", "june", "july",   "august",  "september",
      "october",  "november", "december", "jan",    "feb", "mar",  "apr",    "jun",     "jul",
      "aug",      "sep",      "sept",     "oct",    "nov", "dec",  "monday", "tuesday", "wednesday",
      "thursday", "friday",   "saturday", "sunday", "mon", "tue",  "tues",   "wed",     "thu",
      "thurs",    "fri",      "sat",      "sun",    "am",  "pm",   "utc",    "gmt"};
  return std::find(names.begin(), names.end(), w) != names.end();
}

// 2024-06-01, 10:30, 1.6.2024, 2024-06-01T10:30:00Z, 7th, 10am, 1,234: digits with date
// and number separators and at most a short unit or ordinal suffix.
bool is_number_or_date(const std::string& w) {
  if (std::none_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  std::string rest;
  for (const char c : w) {
    if ((c < '0' || c > '9') && c != '-' && c != '/' && c != ':' && c != '.' && c != ',' &&
        c != '+') {
      rest += c;
    }
  }
  static constexpr std::array<std::string_view, 13> suffixes = {
      "", "t", "z", "tz", "st", "nd", "rd", "th", "am", "pm", "h", "utc", "gmt"};
  return std::find(suffixes.begin(), suffixes.end(), rest) != suffixes.end();
}

// The counted words of a text, in order.
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (is_space(text[i]) || text[i] == '\n')) {
      ++i;
    }
    std::size_t end = i;
    while (end < text.size() && !is_space(text[end])) {
      ++end;
    }
    std::string_view word = text.substr(i, end - i);
    i = end;
    while (!word.empty() && is_ascii_punctuation(word.front())) {
      word.remove_prefix(1);
    }
    while (!word.empty() && is_ascii_punctuation(word.back())) {
      word.remove_suffix(1);
    }
    if (word.empty()) {
      continue;
    }
    const std::string lower = lower_ascii(word);
    if (is_date_word(lower) || is_number_or_date(lower)) {
      continue;
    }
    out.emplace_back(word.find("://") != std::string_view::npos ? content::strip_tracking(word)
                                                                : std::string(word));
  }
  return out;
}

struct Split {
  std::string_view title;
  std::string_view text;
};

Split split(std::string_view revision) {
  const std::size_t nl = revision.find('\n');
  if (nl == std::string_view::npos) {
    return {revision, {}};
  }
  return {revision.substr(0, nl), revision.substr(nl + 1)};
}

std::string plural(std::size_t n, std::string_view what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

} // namespace

std::string revision_of(const feeds::Entry& entry) {
  std::string out;
  if (entry.title) {
    append_collapsed(out, *entry.title);
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  out += '\n';
  const auto& html = entry.content_html ? entry.content_html : entry.summary_html;
  if (html) {
    out += text_of(*html);
  }
  return out;
}

bool Change::substantial() const {
  return title_changed || std::max(added, removed) * 10 > words;
}

Change compare_revisions(std::string_view before, std::string_view after) {
  const Split old_rev = split(before);
  const Split new_rev = split(after);
  Change c;
  c.title_changed = words_of(old_rev.title) != words_of(new_rev.title);
  if (c.title_changed) {
    c.old_title = std::string(old_rev.title);
  }
  const std::vector<std::string> old_words = words_of(old_rev.text);
  const std::vector<std::string> new_words = words_of(new_rev.text);
  std::unordered_map<std::string_view, long> balance; // new count − old count
  for (const std::string& w : old_words) {
    --balance[w];
  }
  for (const std::string& w : new_words) {
    ++balance[w];
  }
  for (const auto& [word, n] : balance) {
    (n > 0 ? c.added : c.removed) += static_cast<std::size_t>(n > 0 ? n : -n);
  }
  c.words = std::max(old_words.size(), new_words.size());
  return c;
}

std::string change_summary(const Change& change) {
  std::string out;
  if (change.title_changed) {
    out = "Title was: " + (change.old_title.empty() ? std::string("(no title)") : change.old_title);
  }
  if (change.added > 0 || change.removed > 0) {
    out += out.empty() ? "" : "; ";
    out += fmt::format("{} added, {} removed", plural(change.added, "word"), change.removed);
  }
  return out.empty() ? std::string("Updated") : out;
}

} // namespace feedpop::ingest
