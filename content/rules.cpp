#include "content/rules.hpp"

#include <algorithm>
#include <variant>

#include <re2/re2.h>

#include "content/rules_internal.hpp"
#include "feeds/html.hpp"

namespace feedpop::content {

namespace {

RE2::Options rule_options() {
  RE2::Options o;
  o.set_case_sensitive(false);
  o.set_log_errors(false); // a bad pattern is reported by `check`, not on stderr
  return o;
}

std::unique_ptr<RE2> compile(const std::string& pattern) {
  auto re = std::make_unique<RE2>(pattern, rule_options());
  return re->ok() ? std::move(re) : nullptr;
}

// An entry's fields as conditions see them; the content's text is built on first use.
class EntryText {
public:
  explicit EntryText(const feeds::Entry& e) : e_(e) {}

  bool matches(RuleField field, const RE2& re) {
    switch (field) {
    case RuleField::title:
      return RE2::PartialMatch(e_.title.value_or(""), re);
    case RuleField::author:
      return RE2::PartialMatch(e_.author ? *e_.author : e_.feed_author.value_or(""), re);
    case RuleField::link:
      return RE2::PartialMatch(e_.link.value_or(""), re);
    case RuleField::category:
      return std::any_of(e_.categories.begin(), e_.categories.end(),
                         [&re](const std::string& c) { return RE2::PartialMatch(c, re); });
    case RuleField::content:
      return RE2::PartialMatch(content(), re);
    }
    return false;
  }

private:
  const std::string& content() {
    if (!content_) {
      const auto& html = e_.content_html ? e_.content_html : e_.summary_html;
      content_ = html ? feeds::html::to_text(*html) : std::string();
    }
    return *content_;
  }

  const feeds::Entry& e_;
  std::optional<std::string> content_;
};

} // namespace

struct RuleSet::Compiled {
  std::vector<std::pair<RuleField, std::unique_ptr<RE2>>> conditions;
  std::unique_ptr<RE2> pattern; // replace
  Selector selector;            // strip
};

std::optional<std::string> pattern_error(const std::string& pattern) {
  const RE2 re(pattern, rule_options());
  if (re.ok()) {
    return std::nullopt;
  }
  return re.error();
}

std::optional<std::string> rewrite_error(const std::string& pattern, const std::string& with) {
  const RE2 re(pattern, rule_options());
  std::string error;
  if (!re.ok()) {
    return re.error();
  }
  if (!re.CheckRewriteString(with, &error)) {
    return error;
  }
  return std::nullopt;
}

std::optional<SelectorError> selector_error(std::string_view selector) {
  auto parsed = parse_selector(selector);
  if (const auto* e = std::get_if<SelectorParseError>(&parsed)) {
    return SelectorError{e->offset, e->message};
  }
  return std::nullopt;
}

std::vector<Rule> shorthand_rules(const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude,
                                  const std::string& origin) {
  std::vector<Rule> out;
  // "title or content" is one rule per field: any matching keep rule keeps the entry,
  // any matching skip rule skips it.
  for (const auto* list : {&include, &exclude}) {
    for (const auto& pattern : *list) {
      for (const RuleField field : {RuleField::title, RuleField::content}) {
        Rule r;
        r.conditions.push_back({field, pattern});
        r.action = list == &include ? RuleAction::keep : RuleAction::skip;
        r.origin = origin + (list == &include ? " include" : " exclude");
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

RuleSet::RuleSet(std::vector<Rule> rules) {
  for (auto& rule : rules) {
    auto c = std::make_unique<Compiled>();
    bool ok = true;
    for (const auto& cond : rule.conditions) {
      auto re = compile(cond.pattern);
      ok = ok && re != nullptr;
      c->conditions.emplace_back(cond.field, std::move(re));
    }
    if (rule.action == RuleAction::replace) {
      c->pattern = compile(rule.argument);
      std::string error;
      ok = ok && c->pattern != nullptr && c->pattern->CheckRewriteString(rule.replacement, &error);
    } else if (rule.action == RuleAction::strip) {
      auto parsed = parse_selector(rule.argument);
      ok = ok && std::holds_alternative<Selector>(parsed);
      if (ok) {
        c->selector = std::get<Selector>(std::move(parsed));
      }
    }
    if (ok) {
      rules_.push_back(std::move(rule));
      compiled_.push_back(std::move(c));
    }
  }
}

bool RuleSet::empty() const {
  return rules_.empty();
}

const std::vector<Rule>& RuleSet::rules() const {
  return rules_;
}

RuleVerdict RuleSet::judge(const feeds::Entry& entry) const {
  RuleVerdict v;
  EntryText text(entry);
  bool has_keep = false;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    has_keep = has_keep || rule.action == RuleAction::keep;
    if (v.skipped_by || (rule.action == RuleAction::keep && v.kept_by)) {
      continue; // decided; the remaining rules of this kind cannot change it
    }
    const auto& conds = compiled_[i]->conditions;
    const bool match = std::all_of(conds.begin(), conds.end(), [&text](const auto& c) {
      return text.matches(c.first, *c.second);
    });
    if (!match) {
      continue;
    }
    switch (rule.action) {
    case RuleAction::skip:
      v.skipped_by = i;
      break;
    case RuleAction::keep:
      v.kept_by = i;
      break;
    case RuleAction::tag:
      if (std::find(v.tags.begin(), v.tags.end(), rule.argument) == v.tags.end()) {
        v.tags.push_back(rule.argument);
      }
      break;
    case RuleAction::strip:
    case RuleAction::replace:
      v.rewrites.push_back(i);
      break;
    }
  }
  v.not_kept = has_keep && !v.kept_by;
  v.deliver = !v.skipped_by && !v.not_kept;
  if (!v.deliver) {
    v.tags.clear();
    v.rewrites.clear();
  }
  return v;
}

std::vector<RewriteCount> RuleSet::rewrite(feeds::Entry& entry, const RuleVerdict& verdict) const {
  std::vector<RewriteCount> counts;
  std::vector<HtmlRewrite> html_steps;
  for (const std::size_t i : verdict.rewrites) {
    if (i >= rules_.size()) {
      continue;
    }
    const Rule& rule = rules_[i];
    const Compiled& c = *compiled_[i];
    counts.push_back({i, 0});
    if (rule.action == RuleAction::replace && rule.target == RuleField::title) {
      if (entry.title) {
        counts.back().count = static_cast<std::size_t>(
            RE2::GlobalReplace(&*entry.title, *c.pattern, rule.replacement));
      }
      continue;
    }
    html_steps.push_back({counts.size() - 1,
                          rule.action == RuleAction::strip ? &c.selector : nullptr, c.pattern.get(),
                          &rule.replacement});
  }
  if (!html_steps.empty()) {
    for (auto* html : {&entry.content_html, &entry.summary_html}) {
      if (*html) {
        rewrite_html(**html, html_steps, counts);
      }
    }
  }
  return counts;
}

} // namespace feedpop::content
