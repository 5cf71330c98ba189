#include "content/article.hpp"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <mutex>
#include <vector>

#include "content/cleanup.hpp"
#include "content/dom.hpp"
#include "content/images.hpp"
#include "content/metadata.hpp"
#include "content/page.hpp"
#include "content/rules_internal.hpp"
#include "content/scoring.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"

namespace feedpop::content {

namespace {

// Below this many characters an attempt is repeated with relaxed heuristics.
constexpr std::size_t enough_text = 500;

struct XPathContext {
  xmlXPathContext* ctx;
  ~XPathContext() { xmlXPathFreeContext(ctx); }
};
struct XPathObject {
  xmlXPathObject* obj;
  ~XPathObject() { xmlXPathFreeObject(obj); }
};

// The elements the per-feed XPath selects, moved into a new <div>; null when the
// expression is invalid or selects no element.
xmlNode* select_by_xpath(xmlDoc* doc, const std::string& expression, bool& valid) {
  XPathContext context{xmlXPathNewContext(doc)};
  if (context.ctx == nullptr) {
    return nullptr;
  }
  XPathObject result{
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), context.ctx)};
  valid = result.obj != nullptr;
  if (result.obj == nullptr || result.obj->type != XPATH_NODESET ||
      result.obj->nodesetval == nullptr) {
    return nullptr;
  }
  std::vector<xmlNode*> picked;
  for (int i = 0; i < result.obj->nodesetval->nodeNr; ++i) {
    xmlNode* n = result.obj->nodesetval->nodeTab[i];
    bool nested = false;
    for (xmlNode* p : picked) {
      for (xmlNode* a = n->parent; a != nullptr && !nested; a = a->parent) {
        nested = a == p;
      }
    }
    if (n == xmlDocGetRootElement(doc)) {
      n = dom::find_first(n, "body"); // <html> itself: its body is the article
    }
    if (n != nullptr && dom::is_element(n) && !nested) {
      picked.push_back(n);
    }
  }
  if (picked.empty()) {
    return nullptr;
  }
  xmlNode* article = xmlNewDocNode(doc, nullptr, reinterpret_cast<const xmlChar*>("div"), nullptr);
  for (xmlNode* n : picked) {
    xmlUnlinkNode(n);
    xmlAddChild(article, n);
  }
  xmlAddChild(xmlDocGetRootElement(doc), article);
  return article;
}

// ExtractOptions::strip, parsed once per page; nullopt where a selector does not parse.
using StripSelectors = std::vector<std::optional<Selector>>;

StripSelectors parse_strip(const std::vector<std::string>& texts) {
  StripSelectors out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    auto parsed = parse_selector(text);
    if (auto* selector = std::get_if<Selector>(&parsed)) {
      out.emplace_back(std::move(*selector));
    } else {
      out.emplace_back(std::nullopt);
    }
  }
  return out;
}

// The strip selectors on the page as parsed, before extraction touches its markup.
std::vector<std::size_t> strip_page(xmlNode* root, const StripSelectors& selectors) {
  std::vector<std::size_t> counts(selectors.size(), 0);
  xmlNode* body = dom::find_first(root, "body");
  for (std::size_t i = 0; i < selectors.size(); ++i) {
    if (selectors[i]) {
      counts[i] = strip(body != nullptr ? body : root, *selectors[i]);
    }
  }
  return counts;
}

struct Attempt {
  dom::HtmlDocument doc;
  std::vector<std::size_t> stripped;
  xmlNode* article = nullptr;
  bool selector_valid = true;
  std::string byline;
  std::size_t length = 0;
};

// One extraction over doc (freshly parsed: attempts modify their tree).
Attempt run_attempt(dom::HtmlDocument doc, const ExtractOptions& options,
                    const StripSelectors& selectors, const Flags& flags, const std::string& title) {
  Attempt attempt;
  attempt.doc = std::move(doc);
  xmlNode* root = attempt.doc ? xmlDocGetRootElement(attempt.doc.get()) : nullptr;
  if (root == nullptr) {
    return attempt;
  }
  attempt.stripped = strip_page(root, selectors);
  prepare_page(root);
  xmlNode* body = dom::find_first(root, "body");
  if (body == nullptr) {
    body = root;
  }
  if (options.xpath) {
    attempt.article = select_by_xpath(attempt.doc.get(), *options.xpath, attempt.selector_valid);
    if (attempt.article != nullptr) {
      attempt.length = dom::text_length(attempt.article);
    }
    return attempt;
  }
  remove_title_heading(body, title);
  Scores scores;
  const std::vector<xmlNode*> to_score = prepare_candidates(body, flags, attempt.byline);
  attempt.article = select_article(attempt.doc.get(), body, to_score, flags, scores);
  clean_article(attempt.article, flags);
  attempt.length = dom::text_length(attempt.article);
  return attempt;
}

// Tries the strict heuristics first, then relaxes them one by one while the article is
// shorter than enough_text; keeps the longest result.
Attempt find_article(std::string_view html, dom::HtmlDocument first, const ExtractOptions& options,
                     const std::string& title) {
  const StripSelectors selectors = parse_strip(options.strip);
  Flags flags;
  Attempt best;
  for (int round = 0; round < 4; ++round) {
    Attempt attempt =
        run_attempt(round == 0 ? std::move(first) : dom::parse(html, options.max_depth), options,
                    selectors, flags, title);
    if (attempt.length >= enough_text || options.xpath) {
      return attempt;
    }
    if (best.article == nullptr || attempt.length > best.length) {
      best = std::move(attempt);
    }
    if (flags.strip_unlikely) {
      flags.strip_unlikely = false;
    } else if (flags.weight_classes) {
      flags.weight_classes = false;
    } else {
      flags.clean_conditionally = false;
    }
  }
  return best;
}

std::string inner_html(xmlDoc* doc, xmlNode* article) {
  std::string out;
  for (xmlNode* c = article->children; c != nullptr; c = c->next) {
    out += dom::outer_html(doc, c);
  }
  return out;
}

} // namespace

ExtractResult extract(std::string_view html, std::string_view base_url,
                      const ExtractOptions& options) {
  if (html.size() > options.max_input_bytes) {
    return ExtractFailed{"input larger than " + std::to_string(options.max_input_bytes) + " bytes"};
  }
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });

  dom::HtmlDocument original = dom::parse(html, options.max_depth);
  if (original == nullptr || xmlDocGetRootElement(original.get()) == nullptr) {
    return ExtractFailed{"not an HTML document"};
  }
  const Metadata meta = read_metadata(original.get());
  Attempt found = find_article(html, std::move(original), options, meta.title);
  if (found.article == nullptr || found.length == 0) {
    if (!options.xpath) {
      return ExtractFailed{"no article found"};
    }
    return ExtractFailed{found.selector_valid ? "content_selector matched no element"
                                              : "content_selector is not a valid XPath expression"};
  }
  const std::string base = meta.base_href.empty() ? std::string(base_url)
                                                  : feeds::url::resolve(base_url, meta.base_href);
  resolve_urls(found.article, base);

  Article article;
  article.title = meta.title;
  article.byline = !meta.byline.empty() ? meta.byline : found.byline;
  article.lang = meta.lang;
  article.text = plain_text(found.article);
  article.excerpt = !meta.excerpt.empty() ? meta.excerpt : first_paragraph(found.article);
  article.content = feeds::html::sanitize(inner_html(found.doc.get(), found.article), base);
  article.stripped = std::move(found.stripped);
  return article;
}

} // namespace feedpop::content
