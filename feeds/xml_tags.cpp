#include "feeds/xml_walker.hpp"

#include <array>
#include <unordered_map>

namespace feedpop::feeds::xml::walker_detail {

// Namespace URI → feedparser's canonical prefix ("" for the feed formats themselves).
std::optional<std::string_view> canonical_prefix(std::string_view uri_lower) {
  struct Ns {
    std::string_view uri, prefix;
  };
  static constexpr std::array<Ns, 27> table = {{
      {"", ""},
      {"http://backend.userland.com/rss", ""},
      {"http://blogs.law.harvard.edu/tech/rss", ""},
      {"http://purl.org/rss/1.0/", ""},
      {"http://my.netscape.com/rdf/simple/0.9/", ""},
      {"http://example.com/newformat#", ""},
      {"http://example.com/necho", ""},
      {"http://purl.org/echo/", ""},
      {"uri/of/echo/namespace#", ""},
      {"http://purl.org/pie/", ""},
      {"http://purl.org/atom/ns#", ""},
      {"http://www.w3.org/2005/atom", ""},
      {"http://purl.org/rss/1.0/modules/rss091#", ""},
      {"http://purl.org/rss/1.0/modules/content/", "content"},
      {"http://purl.org/dc/elements/1.1/", "dc"},
      {"http://purl.org/dc/terms/", "dcterms"},
      {"http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes"},
      {"http://example.com/dtds/podcast-1.0.dtd", "itunes"},
      {"http://search.yahoo.com/mrss", "media"},
      {"http://search.yahoo.com/mrss/", "media"},
      {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf"},
      {"http://purl.org/rss/1.0/modules/syndication/", "sy"},
      {"http://www.w3.org/1999/xhtml", "xhtml"},
      {"http://www.w3.org/xml/1998/namespace", "xml"},
      {"http://wellformedweb.org/commentapi/", "wfw"},
      {"http://purl.org/rss/1.0/modules/slash/", "slash"},
      {"http://rssnamespace.org/feedburner/ext/1.0", "feedburner"},
  }};
  if (uri_lower.find("backend.userland.com/rss") != std::string_view::npos) {
    return "";
  }
  for (const auto& ns : table) {
    if (ns.uri == uri_lower) {
      return ns.prefix;
    }
  }
  return std::nullopt;
}

Tag tag_of(std::string_view name) {
  static const std::unordered_map<std::string_view, Tag> tags = {
      {"abstract", Tag::abstract},
      {"author", Tag::author},
      {"body", Tag::body},
      {"category", Tag::category},
      {"channel", Tag::channel},
      {"comments", Tag::comments},
      {"content", Tag::content},
      {"content_encoded", Tag::content_encoded},
      {"dc_author", Tag::dc_author},
      {"dc_creator", Tag::dc_creator},
      {"dc_date", Tag::dc_date},
      {"dc_description", Tag::dc_description},
      {"dc_subject", Tag::dc_subject},
      {"dc_title", Tag::dc_title},
      {"dcterms_issued", Tag::dcterms_issued},
      {"dcterms_modified", Tag::dcterms_modified},
      {"description", Tag::description},
      {"email", Tag::email},
      {"enclosure", Tag::enclosure},
      {"entry", Tag::entry},
      {"feed", Tag::feed},
      {"fullitem", Tag::fullitem},
      {"guid", Tag::guid},
      {"id", Tag::id},
      {"image", Tag::image},
      {"issued", Tag::issued},
      {"item", Tag::item},
      {"itunes_author", Tag::itunes_author},
      {"itunes_duration", Tag::itunes_duration},
      {"itunes_image", Tag::itunes_image},
      {"itunes_summary", Tag::itunes_summary},
      {"lastbuilddate", Tag::lastbuilddate},
      {"link", Tag::link},
      {"managingeditor", Tag::managingeditor},
      {"media_content", Tag::media_content},
      {"media_description", Tag::media_description},
      {"media_thumbnail", Tag::media_thumbnail},
      {"media_title", Tag::media_title},
      {"modified", Tag::modified},
      {"name", Tag::name},
      {"pubdate", Tag::pubdate},
      {"published", Tag::published},
      {"rss", Tag::rss},
      {"source", Tag::source},
      {"summary", Tag::summary},
      {"sy_updatefrequency", Tag::sy_updatefrequency},
      {"sy_updateperiod", Tag::sy_updateperiod},
      {"textinput", Tag::textinput},
      {"title", Tag::title},
      {"ttl", Tag::ttl},
      {"updated", Tag::updated},
      {"xhtml_body", Tag::xhtml_body},
  };
  auto it = tags.find(name);
  return it == tags.end() ? Tag::other : it->second;
}

MediaElement media_element(Tag tag) {
  switch (tag) {
  case Tag::media_title:
    return MediaElement::title;
  case Tag::media_description:
    return MediaElement::description;
  case Tag::media_thumbnail:
    return MediaElement::thumbnail;
  case Tag::media_content:
    return MediaElement::content;
  case Tag::itunes_duration:
    return MediaElement::itunes_duration;
  case Tag::itunes_image:
    return MediaElement::itunes_image;
  default:
    return MediaElement::none;
  }
}

Tag Walker::element_tag(Node node) const {
  std::string_view qname = node.name();
  auto colon = qname.find(':');
  std::string_view given = colon == std::string_view::npos ? "" : qname.substr(0, colon);
  std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
  const Ns* ns = nullptr;
  for (auto it = ns_.rbegin(); it != ns_.rend(); ++it) {
    if (it->prefix == given) {
      ns = &*it;
      break;
    }
  }
  std::string_view prefix;
  if (ns != nullptr && ns->canonical) {
    prefix = *ns->canonical;
  } else if (ns == nullptr || !given.empty()) {
    prefix = given; // an unknown default namespace is read as no namespace
  }
  // "prefix_local", lower case, built on the stack: every name the walker acts on is
  // shorter than the buffer, so a longer one is Tag::other.
  std::array<char, 32> name;
  const std::size_t size = prefix.size() + (prefix.empty() ? 0 : 1) + local.size();
  if (size > name.size()) {
    return Tag::other;
  }
  std::size_t n = 0;
  for (char c : prefix) {
    name[n++] = lower(c);
  }
  if (!prefix.empty()) {
    name[n++] = '_';
  }
  for (char c : local) {
    name[n++] = lower(c);
  }
  return tag_of(std::string_view(name.data(), n));
}

} // namespace feedpop::feeds::xml::walker_detail
