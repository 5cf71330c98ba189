// feeds::html::sanitize — the allow-list sanitiser behind FEED_JSON.md's "HTML values"
// rule. Elements outside the list lose their tags but keep their text (as feedparser's
// sanitiser does); script-like elements lose their content too. Output tags are balanced.
// The lists and checks are in html_sanitize_policy.cpp.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "feeds/html.hpp"
#include "feeds/html_embeds.hpp"
#include "feeds/html_sanitize_policy.hpp"
#include "feeds/html_scan.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::html {

namespace {

using policy::AttributeRule;
using policy::ElementRule;
using policy::kUnlisted;

void append_end_tag(std::string& out, std::string_view name) {
  out += "</";
  out += name;
  out += '>';
}

// Consumes the token stream of one body (scan_html's sink) and writes the kept markup.
class Sanitizer {
public:
  Sanitizer(std::string& out, std::string_view base_url) : out_(out), base_(base_url) {}

  void on_text(std::string_view source, bool decode) {
    if (dropping_depth_ > 0 || embeds_.skipping()) {
      return;
    }
    if (decode) {
      append_decoded_escaped(out_, source);
    } else {
      escape_into(out_, source);
    }
  }
  void on_markup(Token::Kind /*kind*/, std::string_view /*literal*/) {} // comments, doctypes
  void on_tag(const Token& t);
  // Closes the elements still open at the end of the body.
  void finish();

private:
  void start_tag(const Token& t, std::uint8_t element);
  void end_tag(std::uint8_t element);
  bool is_tracking_pixel(const Token& img);
  void write_start_tag(const Token& t, const ElementRule& rule, bool img);
  void write_attribute(std::string_view name, std::string_view value);

  std::string& out_;
  std::string_view base_;
  std::vector<std::uint8_t> open_;    // elements written and not yet closed (kElements indices)
  std::uint8_t dropping_ = kUnlisted; // element whose content is being dropped
  int dropping_depth_ = 0;
  std::string url_;      // a resolved URL attribute (buffer reused)
  std::string img_src_;  // the current <img>'s src, resolved once for both of its checks
  EmbedRewriter embeds_; // video embeds become links (feeds/html_embeds.hpp)
};

void Sanitizer::on_tag(const Token& t) {
  if (dropping_depth_ == 0 && embeds_.consume(t, base_, out_)) {
    return;
  }
  const std::uint8_t element = policy::element_index(t.name);
  if (dropping_depth_ > 0) {
    if (element == dropping_ && t.kind == Token::Kind::start_tag && !t.self_closing) {
      ++dropping_depth_;
    } else if (element == dropping_ && t.kind == Token::Kind::end_tag) {
      --dropping_depth_;
    }
    return;
  }
  if (t.kind == Token::Kind::start_tag) {
    start_tag(t, element);
  } else {
    end_tag(element);
  }
}

void Sanitizer::start_tag(const Token& t, std::uint8_t element) {
  if (element == kUnlisted) {
    return; // not allowed: its tags go, its text stays
  }
  const ElementRule& rule = policy::element_rule(element);
  if (rule.drops_content) {
    if (!t.self_closing && !rule.is_void) {
      dropping_ = element;
      dropping_depth_ = 1;
    }
    return;
  }
  const bool img = rule.name == "img";
  if (!rule.allowed || (img && is_tracking_pixel(t))) {
    return;
  }
  write_start_tag(t, rule, img);
  if (!rule.is_void && !t.self_closing) {
    open_.push_back(element);
  } else if (!rule.is_void) {
    append_end_tag(out_, rule.name);
  }
}

void Sanitizer::end_tag(std::uint8_t element) {
  // Only allowed elements are ever open: any other end tag finds nothing.
  auto it = std::find(open_.rbegin(), open_.rend(), element);
  if (it == open_.rend()) {
    return; // a stray end tag closes nothing
  }
  auto keep = static_cast<std::size_t>(open_.rend() - it) - 1;
  while (open_.size() > keep) {
    append_end_tag(out_, policy::element_rule(open_.back()).name);
    open_.pop_back();
  }
}

void Sanitizer::finish() {
  while (!open_.empty()) {
    append_end_tag(out_, policy::element_rule(open_.back()).name);
    open_.pop_back();
  }
}

// Tracking pixels (1×1 or zero-size images, images from tracker hosts) are dropped: they
// tell the sender when and where the message was read. Leaves the resolved src in img_src_.
bool Sanitizer::is_tracking_pixel(const Token& img) {
  bool tracking = false, has_src = false;
  for (const auto& [name, value] : img.attrs) {
    if ((name == "width" || name == "height") && policy::tiny(value)) {
      tracking = true;
    } else if (name == "src") {
      has_src = true;
      url::resolve_into(img_src_, base_, value);
    }
  }
  return tracking || (has_src && policy::is_tracker(img_src_));
}

void Sanitizer::write_start_tag(const Token& t, const ElementRule& rule, bool img) {
  out_ += '<';
  out_ += rule.name;
  for (const auto& [name, value] : t.attrs) {
    switch (policy::attribute_rule(name)) {
    case AttributeRule::drop:
      break;
    case AttributeRule::url: {
      // The scheme is checked on the URL as written, after resolution: a relative
      // reference takes the base's scheme.
      const bool img_src = img && name == "src";
      if (!img_src) {
        url::resolve_into(url_, base_, value);
      }
      const std::string& resolved = img_src ? img_src_ : url_;
      if (url::is_safe(resolved, img_src ? url::Use::image : url::Use::link)) {
        write_attribute(name, resolved);
      }
      break;
    }
    case AttributeRule::style:
      if (!policy::unsafe_style(value)) {
        write_attribute(name, value);
      }
      break;
    case AttributeRule::keep:
      write_attribute(name, value);
      break;
    }
  }
  out_ += rule.is_void ? " />" : ">";
}

void Sanitizer::write_attribute(std::string_view name, std::string_view value) {
  out_ += ' ';
  out_ += name;
  out_ += "=\"";
  escape_into(out_, value);
  out_ += '"';
}

} // namespace

bool is_safe_element(std::string_view name) {
  const std::uint8_t element = policy::element_index(name);
  return element != kUnlisted && policy::element_rule(element).allowed;
}

std::string sanitize(std::string_view html, std::string_view base_url) {
  std::string out;
  out.reserve(html.size() + 16);
  Sanitizer sanitizer(out, base_url);
  scan_html(html, sanitizer);
  sanitizer.finish();
  return out;
}

} // namespace feedpop::feeds::html
