#pragma once
// Filter and rewrite rules (feeds.yaml `rules:`, global and per feed): each rule is
// `if` (conditions on an entry's fields, all of which must match; none = every entry)
// and `then` (one action). Run at ingest, before rendering.
//
// Semantics:
// - Conditions are RE2 patterns (linear time: entry text is untrusted), searched anywhere
//   in the field and ignoring case; `(?-i)` at a pattern's start makes it case-sensitive.
//   `title`, `author` (the entry's, else the feed's), `link`: that text ("" when absent);
//   `content`: the text (not the markup) of the content, else the summary; `category`:
//   matches when one of the categories matches.
// - Conditions see the entry as the feed has it, before any rewrite, so the order of
//   rules changes only the order of rewrites and tags.
// - `skip`: the entry is not delivered to anyone. `keep`: when a set has keep rules, an
//   entry none of them matches is not delivered (an allow-list). Skip wins over keep.
//   Undelivered entries are still remembered as seen.
// - `tag NAME`: the entry's message carries NAME in its Keywords field (RFC 5322
//   §3.6.5) and ingest stores NAME with the entry; the mailbox view `user+NAME` shows
//   such messages (gateway/tag_views.hpp).
// - `strip SELECTOR`: elements the CSS-like selector matches are removed from the
//   content HTML (and the summary). Selectors: `tag`, `*`, `.class`, `#id`, compounds
//   (`div.ad.wide`, `section#comments`), descendants (`article aside`), comma lists.
// - `replace: {pattern: RE, with: TEXT, in: content | title}`: RE2::GlobalReplace on each
//   text node of the content HTML (never on markup, so a rewrite cannot break or inject
//   tags; a match cannot span two elements), or on the title. TEXT may name groups as \1.
//
// Threading: a RuleSet is immutable after construction; judge() and rewrite() may be
// called from any thread.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/entry.hpp"

namespace feedpop::content {

enum class RuleField { title, content, author, category, link };
enum class RuleAction { skip, keep, tag, strip, replace };

struct RuleCondition {
  RuleField field = RuleField::title;
  std::string pattern; // RE2
};

struct Rule {
  std::vector<RuleCondition> conditions; // all must match; empty = every entry
  RuleAction action = RuleAction::skip;
  std::string argument;                  // tag: the name; strip: the selector; replace: the pattern
  std::string replacement;               // replace: the rewrite text
  RuleField target = RuleField::content; // replace: content or title
  std::string origin;                    // where it is written ("feeds.yaml:12"), for reports
};

// Why `pattern` cannot be a rule's pattern (RE2's message), or nullopt.
std::optional<std::string> pattern_error(const std::string& pattern);
// Why `with` cannot rewrite matches of `pattern` (e.g. \2 with one group), or nullopt.
std::optional<std::string> rewrite_error(const std::string& pattern, const std::string& with);
// Why `selector` is not a selector strip understands, with its offset, or nullopt.
struct SelectorError {
  std::size_t offset = 0; // byte offset into the selector
  std::string message;
};
std::optional<SelectorError> selector_error(std::string_view selector);

// `include: [...]` ≡ one keep rule per pattern on title or content;
// `exclude: [...]` ≡ one skip rule per pattern on title or content.
std::vector<Rule> shorthand_rules(const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude,
                                  const std::string& origin);

// What the rules decided for one entry.
struct RuleVerdict {
  bool deliver = true;
  std::optional<std::size_t> skipped_by; // index of the first skip rule that matched
  std::optional<std::size_t> kept_by;    // index of the first keep rule that matched
  bool not_kept = false;                 // keep rules exist and none matched
  std::vector<std::string> tags;         // unique, in rule order
  std::vector<std::size_t> rewrites;     // strip / replace rules that apply, in order
};

// What rewrite() changed, per applied rule.
struct RewriteCount {
  std::size_t rule = 0;
  std::size_t count = 0; // elements stripped or text replacements made
};

class RuleSet {
public:
  RuleSet();
  // Rules whose patterns or selector do not compile are dropped (the configuration check
  // refuses them first, with their position).
  explicit RuleSet(std::vector<Rule> rules);
  ~RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;

  bool empty() const;
  const std::vector<Rule>& rules() const;

  RuleVerdict judge(const feeds::Entry& entry) const;
  // Applies the verdict's strip and replace rules to `entry` (its title, content_html and
  // summary_html; the HTML stays sanitised UTF-8). Unchanged values keep their bytes.
  std::vector<RewriteCount> rewrite(feeds::Entry& entry, const RuleVerdict& verdict) const;

private:
  struct Compiled;
  std::vector<Rule> rules_;
  std::vector<std::unique_ptr<Compiled>> compiled_; // parallel to rules_
};

} // namespace feedpop::content
