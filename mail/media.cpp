#include "mail/media.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "mail/header_encoding.hpp"

namespace feedpop::mail {

namespace {

using feeds::html::escape;

bool is_http(std::string_view url) {
  const std::string lower = ascii::lower(url.substr(0, 8));
  return lower.starts_with("http://") || lower.starts_with("https://");
}

// Where a URL starting at `from` ends: at white space, quotes or angle brackets, less
// trailing punctuation, and less a closing parenthesis the URL did not open.
std::size_t url_end(std::string_view line, std::size_t from) {
  std::size_t end = from;
  while (end < line.size() && !ascii::is_space(line[end]) && line[end] != '<' && line[end] != '>' &&
         line[end] != '"') {
    ++end;
  }
  while (end > from) {
    const char last = line[end - 1];
    const std::string_view url = line.substr(from, end - from);
    const bool unopened = last == ')' && std::count(url.begin(), url.end(), ')') >
                                             std::count(url.begin(), url.end(), '(');
    if (std::string_view(".,;:!?'").find(last) == std::string_view::npos && !unopened) {
      break;
    }
    --end;
  }
  return end;
}

std::string linkify_line(std::string_view line) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((line[i] != 'h' && line[i] != 'H') || !is_http(line.substr(i)) ||
        (i > 0 && ascii::is_alnum(line[i - 1]))) {
      continue;
    }
    const std::size_t end = url_end(line, i);
    const std::string_view url = line.substr(i, end - i);
    if (url.size() <= 8) {
      continue;
    }
    out += escape(line.substr(done, i - done));
    out += fmt::format("<a href=\"{}\">{}</a>", escape(url), escape(url));
    done = end;
    i = end - 1;
  }
  out += escape(line.substr(done));
  return out;
}

} // namespace

std::string linkify(std::string_view text) {
  const std::string repaired = utf8::repair(text);
  std::string out;
  std::string paragraph;
  std::string_view rest(repaired);
  const auto close_paragraph = [&] {
    if (!paragraph.empty()) {
      out += "<p>" + paragraph + "</p>\n";
      paragraph.clear();
    }
  };
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    while (!line.empty() && ascii::is_space(line.back())) {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      close_paragraph();
      continue;
    }
    paragraph += paragraph.empty() ? "" : "<br />\n"; // as the sanitiser writes it
    paragraph += linkify_line(line);
  }
  close_paragraph();
  return out;
}

std::string format_duration(std::chrono::seconds duration) {
  const long long total = duration.count() < 0 ? 0 : duration.count();
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

std::optional<std::string> media_body_html(const feeds::Entry& entry) {
  const feeds::Media& media = entry.media;
  const bool thumbnail = media.thumbnail && is_http(*media.thumbnail);
  if (entry.content_html || (!media.description && !thumbnail)) {
    return std::nullopt;
  }
  std::string out;
  if (thumbnail) {
    const std::string title = normalize_text(media.title.value_or(entry.title.value_or("")));
    const std::string image = fmt::format(
        "<img src=\"{}\" alt=\"{}\" />", escape(*media.thumbnail),
        media.video ? escape("\xE2\x96\xB6 " + (title.empty() ? "Video" : title)) : std::string());
    // A cover picture is shown, not linked: the text part would list a bare link for it.
    out += media.video && entry.link && is_http(*entry.link)
               ? fmt::format("<p><a href=\"{}\" data-feedpop-video=\"{}\">{}</a></p>\n",
                             escape(*entry.link), escape(title), image)
               : "<p>" + image + "</p>\n";
  }
  if (media.description) {
    out += linkify(*media.description);
  } else if (entry.summary_html) {
    out += *entry.summary_html;
  }
  return out;
}

} // namespace feedpop::mail
