#pragma once
// Finding the article in a prepared document: the scoring pass of the extractor.
// Internal to content/.

#include <libxml/tree.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace feedpop::content {

// The heuristics an attempt runs with; a later attempt relaxes them when the first one
// found too little text.
struct Flags {
  bool strip_unlikely = true;
  bool weight_classes = true;
  bool clean_conditionally = true;
};

using Scores = std::unordered_map<const xmlNode*, double>;

// Share of n's text that sits inside links (in-page "#" links count 0.3).
double link_density(const xmlNode* n);

// Walks the body once: removes invisible and unlikely elements, takes the byline out,
// turns text-only divs into paragraphs and wraps loose text in paragraphs. Returns the
// elements to score in document order.
std::vector<xmlNode*> prepare_candidates(xmlNode* body, const Flags& flags, std::string& byline);

// Scores the elements, picks the best candidate and its qualifying siblings and moves
// them into a new <div> appended to the document's root element. Returns that div.
xmlNode* select_article(xmlDoc* doc, xmlNode* body, const std::vector<xmlNode*>& to_score,
                        const Flags& flags, Scores& scores);

} // namespace feedpop::content
