// A feed's rules as ingest applies them (ingest/options.hpp).

#include "ingest/options.hpp"

namespace feedpop::ingest {

content::RuleSet feed_rules(const FeedOptions& feed) {
  std::vector<content::Rule> rules =
      content::shorthand_rules(feed.include, feed.exclude, "feeds." + feed.key);
  rules.insert(rules.end(), feed.rules.begin(), feed.rules.end());
  return content::RuleSet(std::move(rules));
}

} // namespace feedpop::ingest
