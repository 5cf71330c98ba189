#include "content/hints.hpp"

#include <array>
#include <string>

#include "common/ascii.hpp"
#include "content/dom.hpp"

namespace feedpop::content::hints {

namespace {

template <std::size_t N>
bool contains_any(std::string_view s, const std::array<std::string_view, N>& words) {
  for (std::string_view w : words) {
    if (s.find(w) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// Page furniture that is almost never the article body.
constexpr std::array<std::string_view, 36> unlikely_words{
    "-ad-",         "ai2html",    "banner",    "breadcrumbs", "combx",    "comment",
    "community",    "cover-wrap", "disqus",    "extra",       "footer",   "gdpr",
    "header",       "legends",    "menu",      "related",     "remark",   "replies",
    "rss",          "shoutbox",   "sidebar",   "skyscraper",  "social",   "sponsor",
    "supplemental", "ad-break",   "agegate",   "pagination",  "pager",    "popup",
    "yom-remote",   "newsletter", "subscribe", "cookie",      "masthead", "promo"};
constexpr std::array<std::string_view, 8> candidate_words{
    "and", "article", "body", "column", "content", "main", "mathjax", "shadow"};
constexpr std::array<std::string_view, 13> positive_words{
    "article", "body",       "content", "entry", "hentry", "h-entry", "main",
    "page",    "pagination", "post",    "text",  "blog",   "story"};
constexpr std::array<std::string_view, 24> negative_words{
    "-ad-",  "hidden",   "banner",  "combx",      "comment",  "com-",     "contact", "footer",
    "gdpr",  "masthead", "media",   "meta",       "outbrain", "promo",    "related", "scroll",
    "share", "shoutbox", "sidebar", "skyscraper", "sponsor",  "shopping", "tags",    "widget"};
constexpr std::array<std::string_view, 5> byline_words{"byline", "author", "dateline", "writtenby",
                                                       "p-author"};
constexpr std::array<std::string_view, 2> share_words{"share", "sharedaddy"};
constexpr std::array<std::string_view, 8> video_hosts{
    "youtube.com/", "youtube-nocookie.com/", "player.vimeo.com/",     "dailymotion.com/",
    "v.qq.com/",    "archive.org/embed",     "upload.wikimedia.org/", "player.twitch.tv"};

// "hid" as a whole class word (a common abbreviation for hidden).
bool hid_word(std::string_view s) {
  return s == "hid" || s.starts_with("hid ") || s.ends_with(" hid") ||
         s.find(" hid ") != std::string_view::npos;
}

int weight_of(std::string_view s) {
  if (s.empty()) {
    return 0;
  }
  int w = 0;
  if (contains_any(s, negative_words) || hid_word(s)) {
    w -= 25;
  }
  if (contains_any(s, positive_words)) {
    w += 25;
  }
  return w;
}

} // namespace

bool unlikely(std::string_view class_id) {
  return contains_any(class_id, unlikely_words);
}

bool maybe_candidate(std::string_view class_id) {
  return contains_any(class_id, candidate_words);
}

bool unlikely_role(std::string_view role) {
  return role == "menu" || role == "menubar" || role == "complementary" || role == "navigation" ||
         role == "alert" || role == "alertdialog" || role == "dialog";
}

int class_weight(const xmlNode* n) {
  return weight_of(ascii::lower(dom::attr(n, "class"))) +
         weight_of(ascii::lower(dom::attr(n, "id")));
}

bool byline(std::string_view class_id) {
  return contains_any(class_id, byline_words);
}

bool share(std::string_view class_id) {
  // Whole words only ("share", "share_buttons", not "shared-content").
  for (std::string_view w : share_words) {
    for (std::size_t at = class_id.find(w); at != std::string_view::npos;
         at = class_id.find(w, at + 1)) {
      const bool starts = at == 0 || !ascii::is_alnum(class_id[at - 1]);
      const std::size_t end = at + w.size();
      const bool ends = end == class_id.size() || !ascii::is_alnum(class_id[end]);
      if (starts && ends) {
        return true;
      }
    }
  }
  return false;
}

bool video_url(std::string_view url) {
  return contains_any(url, video_hosts);
}

} // namespace feedpop::content::hints
