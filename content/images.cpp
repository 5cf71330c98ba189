#include "content/images.hpp"

#include <charconv>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "content/dom.hpp"
#include "content/srcset.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"

namespace feedpop::content {

namespace {

bool image_extension_at(std::string_view v, std::size_t at) {
  for (std::string_view ext : {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"}) {
    if (ascii::lower(v.substr(at, ext.size())) == ext) {
      return true;
    }
  }
  return false;
}

bool has_image_extension(std::string_view v) {
  for (std::size_t at = v.find('.'); at != std::string_view::npos; at = v.find('.', at + 1)) {
    if (image_extension_at(v, at)) {
      return true;
    }
  }
  return false;
}

// "a.jpg 1x, b.jpg 2x" or "a.jpg 480w": an image URL followed by a descriptor.
bool looks_like_srcset(std::string_view v) {
  for (std::size_t at = v.find('.'); at != std::string_view::npos; at = v.find('.', at + 1)) {
    if (!image_extension_at(v, at)) {
      continue;
    }
    std::size_t end = v.find_first_of(" \t\n", at);
    if (end == std::string_view::npos) {
      return false;
    }
    while (end < v.size() && ascii::is_space(v[end])) {
      ++end;
    }
    if (end < v.size() && ascii::is_digit(v[end])) {
      return true;
    }
  }
  return false;
}

// One URL and nothing else ("https://x/y.jpg?w=800").
bool looks_like_image_url(std::string_view v) {
  v = ascii::trim(v);
  return !v.empty() && v.find_first_of(" \t\n") == std::string_view::npos && has_image_extension(v);
}

// A data: URI placeholder (a tiny base64 GIF or PNG) stands in for a lazy image.
bool placeholder_src(std::string_view src) {
  return src.starts_with("data:") && src.find(";base64,") != std::string_view::npos &&
         src.size() - src.find(";base64,") < 140 + 8 &&
         src.find("image/svg") == std::string_view::npos;
}

// The sanitiser keeps src only: it becomes srcset's candidate closest to a 1200 px view.
void choose_source(xmlNode* img) {
  const std::string srcset = dom::attr(img, "srcset");
  if (srcset.empty()) {
    return;
  }
  const std::string src = dom::attr(img, "src");
  const std::string chosen =
      pick_image_source(src, srcset, html_length_pixels(dom::attr(img, "width")));
  if (!chosen.empty() && chosen != src) {
    dom::set_attr(img, "src", chosen);
  }
}

void reveal(xmlNode* img) {
  // A placeholder gives way when another attribute holds the real image URL.
  if (placeholder_src(dom::attr(img, "src"))) {
    for (xmlAttr* a = img->properties; a != nullptr; a = a->next) {
      const std::string an(reinterpret_cast<const char*>(a->name));
      if (an != "src" && looks_like_image_url(dom::attr(img, an.c_str()))) {
        dom::remove_attr(img, "src");
        break;
      }
    }
  }
  const bool has_source = !dom::attr(img, "src").empty() || !dom::attr(img, "srcset").empty();
  if (has_source && ascii::lower(dom::attr(img, "class")).find("lazy") == std::string::npos) {
    return;
  }
  std::vector<std::pair<std::string, std::string>> found;
  for (xmlAttr* a = img->properties; a != nullptr; a = a->next) {
    const std::string an(reinterpret_cast<const char*>(a->name));
    if (an == "src" || an == "srcset" || an == "alt") {
      continue;
    }
    const std::string v = dom::attr(img, an.c_str());
    if (looks_like_srcset(v)) {
      found.emplace_back("srcset", v);
    } else if (looks_like_image_url(v)) {
      found.emplace_back("src", std::string(ascii::trim(v)));
    }
  }
  for (const auto& [target, value] : found) {
    dom::set_attr(img, target.c_str(), value);
  }
}

bool is_image_only(xmlNode* n) {
  if (dom::is(n, "img")) {
    return true;
  }
  if (dom::element_child_count(n) != 1 || dom::text_length(n) != 0) {
    return false;
  }
  return is_image_only(dom::first_element_child(n));
}

// <noscript><img src=real></noscript> right after a scripted placeholder image: the
// fallback replaces the placeholder. libxml2 parses <noscript> content as markup.
void use_noscript_fallbacks(xmlNode* root) {
  for (xmlNode* ns : dom::all(root, "noscript")) {
    if (!is_image_only(ns)) {
      continue;
    }
    xmlNode* prev = ns->prev;
    while (prev != nullptr && !dom::is_element(prev)) {
      prev = prev->prev;
    }
    xmlNode* fallback = dom::find_first(ns, "img");
    if (prev != nullptr && is_image_only(prev)) {
      xmlNode* placeholder = dom::is(prev, "img") ? prev : dom::find_first(prev, "img");
      for (xmlAttr* a = placeholder->properties; a != nullptr; a = a->next) {
        const std::string an(reinterpret_cast<const char*>(a->name));
        const std::string v = dom::attr(placeholder, an.c_str());
        if (v.empty() || dom::has_attr(fallback, an.c_str())) {
          continue;
        }
        if (an == "src" || an == "srcset" || looks_like_image_url(v)) {
          dom::set_attr(fallback, ("data-old-" + an).c_str(), v);
        } else {
          dom::set_attr(fallback, an.c_str(), v);
        }
      }
      xmlNode* replacement = dom::is(ns->children, "img") && ns->children->next == nullptr
                                 ? ns->children
                                 : dom::first_element_child(ns);
      xmlUnlinkNode(replacement);
      xmlReplaceNode(prev, replacement);
      xmlFreeNode(prev);
    }
  }
}

std::string resolve_srcset(const std::string& base, std::string_view srcset) {
  std::string out;
  for (const SrcsetCandidate& c : parse_srcset(srcset)) {
    if (!out.empty()) {
      out += ", ";
    }
    out += feeds::url::resolve(base, c.url);
    if (c.width) {
      out += ' ' + std::to_string(*c.width) + 'w';
    } else if (c.density != 1) {
      char number[32];
      const auto end = std::to_chars(number, number + sizeof number, c.density).ptr;
      out += ' ' + std::string(number, end) + 'x';
    }
  }
  return out;
}

} // namespace

void reveal_lazy_images(xmlNode* root) {
  for (xmlNode* img : dom::all(root, "img")) {
    reveal(img);
  }
  use_noscript_fallbacks(root);
  for (xmlNode* img : dom::all(root, "img")) {
    choose_source(img);
  }
}

void resolve_urls(xmlNode* article, const std::string& base) {
  if (base.empty()) {
    return;
  }
  for (const char* tag : {"img", "source", "a", "video", "audio", "iframe"}) {
    for (xmlNode* n : dom::all(article, tag)) {
      for (const char* a : {"src", "href", "poster"}) {
        const std::string v = dom::attr(n, a);
        if (!v.empty() && !v.starts_with("#") && !v.starts_with("data:")) {
          dom::set_attr(n, a, feeds::url::resolve(base, v));
        }
      }
      if (const std::string s = dom::attr(n, "srcset"); !s.empty()) {
        dom::set_attr(n, "srcset", resolve_srcset(base, s));
      }
    }
  }
}

} // namespace feedpop::content
