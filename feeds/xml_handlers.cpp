#include "feeds/xml_walker.hpp"

#include "feeds/dates.hpp"
#include "feeds/html.hpp"
#include "feeds/text_construct.hpp"

namespace feedpop::feeds::xml::walker_detail {

void Walker::on_title(Node node, std::size_t depth, bool media) {
  Construct c = text_construct(node, "text/plain", true);
  int d = static_cast<int>(depth);
  if (-1 < title_depth_ && title_depth_ <= d) {
    return; // feedparser keeps the shallowest, first title
  }
  if (in_entry_context()) {
    if (es_.title_depth == -1 || d <= es_.title_depth) {
      es_.title_depth = d;
      feed_.entries.back().title = text::capped(as_text(c), text::kMaxTitleBytes);
    }
  } else if (in_feed_context() && in_feed_) {
    feed_.title = as_text(c);
  } else {
    return;
  }
  if (!media && !c.value.empty()) {
    title_depth_ = d;
  }
}

void Walker::on_link(Node node) {
  if (in_image_ || in_textinput_ || in_source_) {
    return;
  }
  const std::string rel = lower(attr_view(node, "rel").value_or("alternate"));
  const std::string type =
      lower(attr_view(node, "type").value_or(rel == "self" ? "application/atom+xml" : "text/html"));
  // feedparser: url, else uri, else href; an empty href still means "the base".
  auto href = attr_view(node, "url");
  if (!href || href->empty()) {
    href = attr_view(node, "uri");
  }
  if (!href || href->empty()) {
    href = attr_view(node, "href");
  }
  if (href) {
    std::string resolved = resolve(*href);
    if (in_entry_ && rel == "enclosure") {
      Enclosure e;
      e.url = text::clean(resolved).value_or("");
      e.type = text::clean(type); // feedparser defaults a link's type to text/html
      auto length = attr(node, "length");
      if (length && !length->empty() &&
          std::all_of(length->begin(), length->end(),
                      [](char ch) { return ascii::is_digit(ch); }) &&
          length->size() < 19) {
        e.length = std::stoll(*length);
      }
      if (!e.url.empty()) {
        feed_.entries.back().enclosures.push_back(std::move(e));
      }
    }
    if (rel == "alternate" && is_html_type(map_content_type(type))) {
      if (in_entry_) {
        feed_.entries.back().link = text::clean(resolved);
        es_.link_set = true;
      } else if (in_feed_) {
        feed_.link = text::clean(resolved);
        feed_link_set_ = true;
      }
    }
    return;
  }
  std::string value = text::clean(text::direct_text(node)).value_or("");
  if (!value.empty()) {
    value = resolve(value);
  }
  if (in_entry_) {
    feed_.entries.back().link = text::clean(value);
    es_.link_set = true;
  } else if (in_feed_) {
    feed_.link = text::clean(value);
    feed_link_set_ = true;
  }
}

void Walker::on_guid(Node node, std::size_t depth) {
  if (in_source_ || (in_entry_ && (in_image_ || in_textinput_))) {
    return;
  }
  bool is_link = attr(node, "ispermalink").value_or("true") == "true";
  std::string value = text::clean(text::direct_text(node)).value_or("");
  if (is_link && !value.empty()) {
    value = resolve(value);
  }
  if (!in_entry_) {
    if (in_feed_context() && in_feed_ && is_link && !feed_link_set_) {
      feed_.link = text::clean(resolve(text::clean(text::direct_text(node)).value_or("")));
      feed_link_set_ = true;
    }
    return;
  }
  Entry& e = feed_.entries.back();
  int d = static_cast<int>(depth);
  if (es_.id_depth == -1 || d <= es_.id_depth) {
    es_.id_depth = d;
    e.id = text::clean(value);
  }
  if (is_link && !es_.link_set) {
    e.link = text::clean(value);
    es_.link_set = true;
  }
}

void Walker::on_summary(Node node, std::size_t depth, const char* default_type,
                        bool is_description) {
  if (in_source_ || in_image_ || in_textinput_) {
    return;
  }
  bool& seen = in_entry_ ? es_.summary_seen : feed_summary_seen_;
  if (seen && !has_content_) {
    on_content(node, default_type, true); // a second summary is content (feedparser)
    return;
  }
  if (!in_entry_) {
    // At channel level a description is the subtitle; other summaries count as summary.
    feed_summary_seen_ = feed_summary_seen_ || !is_description;
    return;
  }
  Construct c = text_construct(node, default_type, false);
  int d = static_cast<int>(depth);
  if (es_.summary_depth == -1 || d <= es_.summary_depth) {
    es_.summary_depth = d;
    feed_.entries.back().summary_html = as_html(std::move(c));
  }
  es_.summary_seen = true;
}

void Walker::on_content(Node node, const char* default_type, bool counts_as_content) {
  if (counts_as_content) {
    has_content_ = true;
  }
  if (!in_entry_context()) {
    return;
  }
  if (es_.content_seen) {
    return;
  }
  es_.content_seen = true;
  Construct c = text_construct(node, default_type, false);
  c.out_of_line = attr(node, "src").has_value() && !attr(node, "src")->empty();
  feed_.entries.back().content_html = as_html(std::move(c));
}

void Walker::on_author(Node node, std::size_t depth) {
  if (!in_entry_context()) {
    // An Atom feed's own author: read here, given to author-less entries once the whole
    // document is read (Entry::feed_author).
    if (in_feed_context() && in_feed_ && version_.starts_with("atom") && !feed_author_) {
      const EntryState entry_state = es_;
      es_ = EntryState{};
      read_author(node, depth);
      feed_author_ = es_.detail_name    ? es_.detail_name
                     : es_.detail_email ? es_.detail_email
                                        : es_.raw_author;
      es_ = entry_state;
    }
    return;
  }
  read_author(node, depth);
}

void Walker::read_author(Node node, std::size_t depth) {
  in_author_ = true;
  author_had_parts_ = false;
  for (Node child : node.children()) {
    if (child.type() == pugi::node_element) {
      walk(child, depth + 1);
    }
  }
  in_author_ = false;
  if (author_had_parts_) {
    return;
  }
  auto raw = text::clean(finish_text(text::direct_text(node)));
  int d = static_cast<int>(depth);
  if (es_.author_depth == -1 || d <= es_.author_depth) {
    es_.author_depth = d;
    es_.raw_author = raw;
  }
  if (raw && !es_.detail_set) {
    text::Person p = text::split_author(*raw);
    if (p.name || p.email) {
      es_.detail_set = true;
      es_.detail_name = p.name;
      es_.detail_email = p.email;
    }
  }
}

void Walker::on_enclosure(Node node) {
  if (!in_entry_context()) {
    return;
  }
  auto href = attr(node, "url");
  if (!href) {
    href = attr(node, "uri");
  }
  if (!href) {
    href = attr(node, "href");
  }
  auto url = text::clean(href.value_or(""));
  if (!url) {
    return;
  }
  Enclosure e;
  e.url = *url;
  e.type = text::clean(attr(node, "type").value_or(""));
  auto length = text::clean(attr(node, "length").value_or(""));
  if (length && length->size() < 19 &&
      std::all_of(length->begin(), length->end(), [](char ch) { return ascii::is_digit(ch); })) {
    e.length = std::stoll(*length);
  }
  feed_.entries.back().enclosures.push_back(std::move(e));
}

} // namespace feedpop::feeds::xml::walker_detail
