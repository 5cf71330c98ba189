#include "content/jsonld.hpp"

#include <nlohmann/json.hpp>

#include "common/ascii.hpp"
#include "content/dom.hpp"
#include "content/metadata.hpp"

namespace feedpop::content {

namespace {

using nlohmann::json;

bool article_type(const json& type) {
  if (type.is_array()) {
    for (const json& t : type) {
      if (article_type(t)) {
        return true;
      }
    }
    return false;
  }
  if (!type.is_string()) {
    return false;
  }
  const std::string t = type.get<std::string>();
  return t.ends_with("Article") || t.ends_with("Posting") || t == "Report" || t == "APIReference";
}

bool schema_org(const json& context) {
  if (context.is_string()) {
    const std::string c = context.get<std::string>();
    return c.find("schema.org") != std::string::npos;
  }
  if (context.is_object() && context.contains("@vocab")) {
    return schema_org(context["@vocab"]);
  }
  return false;
}

const json* find_article(const json& j, bool in_context) {
  if (j.is_array()) {
    for (const json& item : j) {
      if (const json* found = find_article(item, in_context)) {
        return found;
      }
    }
    return nullptr;
  }
  if (!j.is_object()) {
    return nullptr;
  }
  const bool context = in_context || (j.contains("@context") && schema_org(j["@context"]));
  if (!context) {
    return nullptr;
  }
  if (j.contains("@type") && article_type(j["@type"])) {
    return &j;
  }
  if (j.contains("@graph")) {
    return find_article(j["@graph"], true);
  }
  return nullptr;
}

std::string string_at(const json& j, const char* key) {
  if (j.contains(key) && j[key].is_string()) {
    return std::string(ascii::trim(j[key].get<std::string>()));
  }
  return {};
}

std::string authors(const json& author) {
  if (author.is_object()) {
    return string_at(author, "name");
  }
  if (author.is_string()) {
    return author.get<std::string>();
  }
  std::string out;
  if (author.is_array()) {
    for (const json& a : author) {
      const std::string name = authors(a);
      if (!name.empty()) {
        out += (out.empty() ? "" : ", ") + name;
      }
    }
  }
  return out;
}

std::string script_text(xmlNode* script) {
  std::string text;
  for (xmlNode* c = script->children; c != nullptr; c = c->next) {
    if (c->content != nullptr) {
      text += reinterpret_cast<const char*>(c->content);
    }
  }
  // Some pages wrap the JSON in <![CDATA[ ... ]]>, which HTML parses as text.
  if (const std::size_t open = text.find("<![CDATA["); open != std::string::npos) {
    text.erase(0, open + 9);
    if (const std::size_t close = text.rfind("]]>"); close != std::string::npos) {
      text.erase(close);
    }
  }
  return text;
}

} // namespace

LinkedData read_linked_data(xmlNode* root, const std::string& page_title) {
  LinkedData out;
  for (xmlNode* script : dom::all(root, "script")) {
    if (ascii::lower(dom::attr(script, "type")) != "application/ld+json") {
      continue;
    }
    const json j = json::parse(script_text(script), nullptr, false);
    const json* article = j.is_discarded() ? nullptr : find_article(j, false);
    if (article == nullptr) {
      continue;
    }
    const std::string name = string_at(*article, "name");
    const std::string headline = string_at(*article, "headline");
    if (!name.empty() && !headline.empty() && name != headline) {
      const bool name_matches = title_similarity(page_title, name) > 0.75;
      const bool headline_matches = title_similarity(page_title, headline) > 0.75;
      out.title = name_matches && !headline_matches ? name : headline;
    } else {
      out.title = !name.empty() ? name : headline;
    }
    if (article->contains("author")) {
      out.byline = authors((*article)["author"]);
    }
    out.excerpt = string_at(*article, "description");
    return out;
  }
  return out;
}

} // namespace feedpop::content
