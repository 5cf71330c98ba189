#include "gateway/rule_report.hpp"

#include <fmt/format.h>

namespace feedpop::gateway {

namespace {

const char* field_name(content::RuleField f) {
  switch (f) {
  case content::RuleField::title:
    return "title";
  case content::RuleField::content:
    return "content";
  case content::RuleField::author:
    return "author";
  case content::RuleField::category:
    return "category";
  case content::RuleField::link:
    return "link";
  }
  return "?";
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

} // namespace

std::string describe_rule(const content::Rule& rule) {
  std::string out;
  switch (rule.action) {
  case content::RuleAction::skip:
    out = "skip";
    break;
  case content::RuleAction::keep:
    out = "keep";
    break;
  case content::RuleAction::tag:
    out = "tag " + rule.argument;
    break;
  case content::RuleAction::strip:
    out = "strip " + rule.argument;
    break;
  case content::RuleAction::replace:
    out = fmt::format("replace /{}/ with \"{}\" in {}", rule.argument, rule.replacement,
                      field_name(rule.target));
    break;
  }
  for (std::size_t i = 0; i < rule.conditions.size(); ++i) {
    out += fmt::format("{} {} ~ /{}/", i == 0 ? " if" : " and",
                       field_name(rule.conditions[i].field), rule.conditions[i].pattern);
  }
  return out;
}

RuleReport::RuleReport(std::string feed_key, const content::RuleSet& rules)
    : feed_key_(std::move(feed_key)), rules_(rules) {}

std::string RuleReport::rule_name(std::size_t index) const {
  return fmt::format("rule {} ({})", index + 1, rules_.rules().at(index).origin);
}

void RuleReport::add(const std::string& title, const content::RuleVerdict& verdict,
                     const std::vector<content::RewriteCount>& counts) {
  std::vector<std::string> what;
  if (verdict.skipped_by) {
    what.push_back("skipped by " + rule_name(*verdict.skipped_by));
    ++skipped_;
  } else if (verdict.not_kept) {
    what.push_back("skipped: no keep rule matched");
    ++not_kept_;
  } else {
    what.push_back(verdict.kept_by ? "kept by " + rule_name(*verdict.kept_by) : "kept");
    ++delivered_;
  }
  for (const auto& tag : verdict.tags) {
    what.push_back("tagged " + tag);
  }
  for (const auto& c : counts) {
    const bool strip = rules_.rules().at(c.rule).action == content::RuleAction::strip;
    what.push_back(fmt::format("{} {} by {}", strip ? "stripped" : "replaced",
                               strip ? plural(c.count, "element", "elements")
                                     : plural(c.count, "time", "times"),
                               rule_name(c.rule)));
  }
  std::string line = fmt::format("entry {} \"{}\":", lines_.size() + 1, title);
  for (std::size_t i = 0; i < what.size(); ++i) {
    line += (i == 0 ? " " : "; ") + what[i];
  }
  lines_.push_back(std::move(line));
}

std::string RuleReport::text() const {
  std::string out =
      fmt::format("feed {}: {}\n", feed_key_, plural(rules_.rules().size(), "rule", "rules"));
  for (std::size_t i = 0; i < rules_.rules().size(); ++i) {
    out += fmt::format("  {}: {}\n", rule_name(i), describe_rule(rules_.rules()[i]));
  }
  for (const auto& line : lines_) {
    out += line + "\n";
  }
  out += fmt::format("total: {}, {} delivered, {} skipped by a rule, {} not kept\n",
                     plural(lines_.size(), "entry", "entries"), delivered_, skipped_, not_kept_);
  return out;
}

} // namespace feedpop::gateway
