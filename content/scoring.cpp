// Scoring: each paragraph-like element earns points for its text (length, commas) and
// hands them to its ancestors, less with each level; class/id hints and the element's
// kind set each ancestor's starting score; link-heavy blocks lose in proportion.
#include "content/scoring.hpp"

#include <algorithm>
#include <cmath>

#include "content/dom.hpp"
#include "content/hints.hpp"

namespace feedpop::content {

namespace {

constexpr std::size_t top_candidates = 5;
constexpr int ancestor_levels = 5;
constexpr std::size_t min_paragraph = 25;

double kind_score(const xmlNode* n) {
  const std::string_view t = dom::name(n);
  if (t == "div") {
    return 5;
  }
  if (t == "pre" || t == "td" || t == "blockquote") {
    return 3;
  }
  if (t == "address" || t == "ol" || t == "ul" || t == "dl" || t == "dd" || t == "dt" ||
      t == "li" || t == "form") {
    return -3;
  }
  if (dom::is_heading(n) || t == "th") {
    return -5;
  }
  return 0;
}

double& score_of(Scores& scores, const xmlNode* n, const Flags& flags, bool& created) {
  auto [it, inserted] = scores.try_emplace(n, 0.0);
  created = inserted;
  if (inserted) {
    it->second = kind_score(n) + (flags.weight_classes ? hints::class_weight(n) : 0);
  }
  return it->second;
}

// Adds each paragraph's points to up to five ancestors; returns the ancestors scored.
std::vector<xmlNode*> score_paragraphs(const std::vector<xmlNode*>& to_score, const Flags& flags,
                                       Scores& scores) {
  std::vector<xmlNode*> candidates;
  for (xmlNode* el : to_score) {
    if (el->parent == nullptr || !dom::is_element(el->parent)) {
      continue;
    }
    const std::size_t length = dom::text_length(el);
    if (length < min_paragraph) {
      continue;
    }
    const double points =
        1.0 + dom::comma_count(el) + std::min(std::floor(static_cast<double>(length) / 100), 3.0);
    int level = 0;
    for (xmlNode* a = el->parent; a != nullptr && dom::is_element(a) && level < ancestor_levels;
         a = a->parent, ++level) {
      if (a->parent == nullptr || !dom::is_element(a->parent)) {
        break; // <html>: never the article
      }
      bool created = false;
      double& s = score_of(scores, a, flags, created);
      if (created) {
        candidates.push_back(a);
      }
      const double divider = level == 0 ? 1 : level == 1 ? 2 : level * 3;
      s += points / divider;
    }
  }
  return candidates;
}

bool scored(const Scores& scores, const xmlNode* n) {
  return scores.count(n) != 0;
}

// When several strong candidates share an ancestor, the article is that ancestor.
xmlNode* common_ancestor(xmlNode* top, const std::vector<xmlNode*>& best, const Scores& scores) {
  std::vector<std::vector<const xmlNode*>> alternatives;
  if (scores.at(top) <= 0) {
    return top; // no strong candidate to compare with
  }
  for (std::size_t i = 1; i < best.size(); ++i) {
    if (scores.at(best[i]) / scores.at(top) >= 0.75) {
      std::vector<const xmlNode*> chain;
      for (const xmlNode* a = best[i]->parent; a != nullptr; a = a->parent) {
        chain.push_back(a);
      }
      alternatives.push_back(std::move(chain));
    }
  }
  if (alternatives.size() < 3) {
    return top;
  }
  for (xmlNode* p = top->parent; p != nullptr && dom::is_element(p->parent) && !dom::is(p, "body");
       p = p->parent) {
    int containing = 0;
    for (const auto& chain : alternatives) {
      containing += std::find(chain.begin(), chain.end(), p) != chain.end() ? 1 : 0;
    }
    if (containing >= 3) {
      return p;
    }
  }
  return top;
}

// Climbs while the parent scores higher (the article's paragraphs were split between
// sibling containers), and past parents that wrap nothing but the candidate.
xmlNode* climb(xmlNode* top, Scores& scores, const Flags& flags) {
  double last = scores[top];
  const double threshold = last / 3;
  for (xmlNode* p = top->parent; p != nullptr && !dom::is(p, "body"); p = p->parent) {
    if (!scored(scores, p) || !dom::is_element(p->parent)) {
      continue;
    }
    const double s = scores[p];
    if (s < threshold) {
      break;
    }
    if (s > last) {
      top = p;
      break;
    }
    last = s;
  }
  // Never up to <html>: the article is moved out of its parent, which must stay in the tree.
  while (top->parent != nullptr && dom::is_element(top->parent) &&
         dom::is_element(top->parent->parent) && !dom::is(top->parent, "body") &&
         dom::element_child_count(top->parent) == 1) {
    top = top->parent;
  }
  bool created = false;
  score_of(scores, top, flags, created);
  return top;
}

bool keeps_sibling(xmlNode* sibling, xmlNode* top, const Scores& scores) {
  const double top_score = scores.at(top);
  const double threshold = std::max(10.0, top_score * 0.2);
  double bonus = 0;
  const std::string top_class = dom::attr(top, "class");
  if (!top_class.empty() && dom::attr(sibling, "class") == top_class) {
    bonus = top_score * 0.2;
  }
  if (auto it = scores.find(sibling); it != scores.end() && it->second + bonus >= threshold) {
    return true;
  }
  if (!dom::is(sibling, "p")) {
    return false;
  }
  const double density = link_density(sibling);
  const std::string text = dom::text(sibling);
  const std::size_t length = dom::text_length(sibling);
  if (length > 80) {
    return density < 0.25;
  }
  return length > 0 && density == 0 &&
         (text.ends_with(".") || text.find(". ") != std::string::npos);
}

} // namespace

double link_density(const xmlNode* n) {
  const std::size_t total = dom::text_length(n);
  if (total == 0) {
    return 0;
  }
  double links = 0;
  for (xmlNode* a : dom::all(const_cast<xmlNode*>(n), "a")) {
    const double coefficient = dom::attr(a, "href").starts_with("#") ? 0.3 : 1.0;
    links += static_cast<double>(dom::text_length(a)) * coefficient;
  }
  // Nested links (invalid, but parsed) would count their text twice.
  return std::min(1.0, links / static_cast<double>(total));
}

xmlNode* select_article(xmlDoc* doc, xmlNode* body, const std::vector<xmlNode*>& to_score,
                        const Flags& flags, Scores& scores) {
  std::vector<xmlNode*> candidates = score_paragraphs(to_score, flags, scores);
  for (xmlNode* c : candidates) {
    scores[c] *= 1.0 - link_density(c);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const xmlNode* a, const xmlNode* b) { return scores[a] > scores[b]; });
  if (candidates.size() > top_candidates) {
    candidates.resize(top_candidates);
  }
  // The new <div> joins the tree (owned by doc) only after the moves below, so it is never
  // among the nodes it receives, even when <body> is missing and body is the root.
  xmlNode* article = xmlNewDocNode(doc, nullptr, reinterpret_cast<const xmlChar*>("div"), nullptr);
  xmlNode* top =
      candidates.empty() || candidates.front() == body
          ? nullptr
          : climb(common_ancestor(candidates.front(), candidates, scores), scores, flags);
  // The article's container must stay in the tree: never the root element itself.
  if (top == nullptr || !dom::is_element(top->parent)) {
    // Nothing stands out: the whole body is the article.
    while (body->children != nullptr) {
      xmlNode* c = body->children;
      xmlUnlinkNode(c);
      xmlAddChild(article, c);
    }
  } else {
    xmlNode* parent = top->parent;
    for (xmlNode* s = parent->children; s != nullptr;) {
      xmlNode* next = s->next;
      if (dom::is_element(s) && (s == top || keeps_sibling(s, top, scores))) {
        xmlUnlinkNode(s);
        xmlAddChild(article, s);
      }
      s = next;
    }
  }
  xmlAddChild(xmlDocGetRootElement(doc), article);
  return article;
}

} // namespace feedpop::content
