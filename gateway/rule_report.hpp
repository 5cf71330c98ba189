#pragma once
// What a feed's rules (content/rules.hpp) did to each entry, as `feedpop render --feed`
// prints it: the numbered rules with where they are written, one line per entry (kept,
// skipped by rule N, not kept, tagged, stripped K elements, replaced K times), a total.
// Rules are numbered from 1 in the order they run: include / exclude, the global rules,
// the feed's rules.

#include <cstddef>
#include <string>
#include <vector>

#include "content/rules.hpp"

namespace feedpop::gateway {

class RuleReport {
public:
  // `rules` must outlive the report.
  RuleReport(std::string feed_key, const content::RuleSet& rules);

  // One entry, by its title as the feed has it.
  void add(const std::string& title, const content::RuleVerdict& verdict,
           const std::vector<content::RewriteCount>& counts);
  std::string text() const;

private:
  std::string rule_name(std::size_t index) const;

  std::string feed_key_;
  const content::RuleSet& rules_;
  std::vector<std::string> lines_;
  std::size_t delivered_ = 0;
  std::size_t skipped_ = 0;
  std::size_t not_kept_ = 0;
};

// One rule as text: "skip if title ~ /^sponsored/", "strip div.ad", ...
std::string describe_rule(const content::Rule& rule);

} // namespace feedpop::gateway
