// feeds.yaml's `rules:` lists (global and feeds.*.rules; content/rules.hpp):
//
//   rules:
//     - if: {title: "^sponsored", author: "marketing"}   # all must match; no `if`: all
//       then: skip                  # or keep | tag NAME | strip SELECTOR
//     - then: {replace: {pattern: "\\bteh\\b", with: "the", in: content}}
//
// Each mistake fails with file:line:col at the offending key or value; a bad selector
// points at the character where it goes wrong (for a one-line scalar).

#include <algorithm>

#include "gateway/config_loader.hpp"

namespace feedpop::gateway {
namespace config_detail {

namespace {

using content::RuleAction;
using content::RuleField;

const std::vector<std::pair<std::string, RuleField>>& condition_fields() {
  static const std::vector<std::pair<std::string, RuleField>> fields = {
      {"title", RuleField::title},
      {"content", RuleField::content},
      {"author", RuleField::author},
      {"category", RuleField::category},
      {"link", RuleField::link}};
  return fields;
}

std::vector<std::string> names_of(const std::vector<std::pair<std::string, RuleField>>& list) {
  std::vector<std::string> out;
  for (const auto& [name, field] : list) {
    out.push_back(name);
  }
  return out;
}

// The keys of a small mapping of the rule syntax, each checked against `allowed`.
template <typename Fail>
std::vector<Field> keys_of(const Field& field, const std::vector<std::string>& allowed,
                           const std::string& expected, Fail fail) {
  if (!field.value.is_map()) {
    fail(field, "expected " + expected);
  }
  std::vector<Field> out;
  for (const auto [key, value] : field.value.pairs()) {
    const std::string name(key.scalar());
    const std::string child = field.path + "." + name;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string hint = did_you_mean(name, allowed);
      fail(Field{name, child, key, key},
           "unknown key" + (hint.empty() ? "; expected one of: " + join(allowed, ", ") : hint));
    }
    const auto dup =
        std::find_if(out.begin(), out.end(), [&](const Field& f) { return f.name == name; });
    if (dup != out.end()) {
      fail(Field{name, child, key, key}, "duplicate key");
    }
    out.push_back(Field{name, child, key, value});
  }
  return out;
}

} // namespace

std::vector<content::Rule> Loader::rules(const Field& field) const {
  std::vector<content::Rule> out;
  if (field.value.is_null()) {
    return out;
  }
  if (!field.value.is_sequence()) {
    fail(field, "expected a list of rules (- if: {...}\\n  then: ...)");
  }
  std::size_t index = 0;
  for (const ConfigNode item : field.value.items()) {
    out.push_back(rule(item, field.path + "[" + std::to_string(index++) + "]"));
  }
  return out;
}

content::Rule Loader::rule(const ConfigNode& item, const std::string& path) const {
  content::Rule rule;
  rule.origin = source_ + ":" + std::to_string(item.mark().line + 1);
  const Field field{"", path, item, item};
  const auto fail_at = [this](const Field& f, const std::string& m) { fail(f, m); };
  bool has_then = false;
  for (const Field& f :
       keys_of(field, {"if", "then"}, "a rule: {if: {title: RE, ...}, then: ACTION}", fail_at)) {
    if (f.name == "if") {
      rule_conditions(f, rule);
    } else {
      rule_action(f, rule);
      has_then = true;
    }
  }
  if (!has_then) {
    fail(item.mark(), path + ": the rule has no `then` (skip, keep, tag NAME, strip SELECTOR "
                             "or replace: {pattern: RE, with: TEXT})");
  }
  return rule;
}

void Loader::rule_conditions(const Field& field, content::Rule& rule) const {
  const auto fail_at = [this](const Field& f, const std::string& m) { fail(f, m); };
  const auto& known = condition_fields();
  for (const Field& f :
       keys_of(field, names_of(known), "a mapping of field: regular expression", fail_at)) {
    const std::string pattern = text(f, "a regular expression");
    if (auto error = content::pattern_error(pattern)) {
      fail(f, "bad regular expression '" + pattern + "': " + *error + " (RE2 syntax)");
    }
    const auto it =
        std::find_if(known.begin(), known.end(), [&f](const auto& k) { return k.first == f.name; });
    rule.conditions.push_back({it->second, pattern});
  }
}

void Loader::rule_action(const Field& field, content::Rule& rule) const {
  static const std::vector<std::string> actions = {"skip", "keep", "tag", "strip", "replace"};
  std::string word;
  std::string argument;
  std::size_t argument_at = 0; // offset of the argument inside a scalar
  Field value = field;
  if (field.value.is_map()) { // {tag: NAME}, {strip: SELECTOR}, {replace: {...}}
    const auto fail_at = [this](const Field& f, const std::string& m) { fail(f, m); };
    const auto entries = keys_of(field, actions, "an action", fail_at);
    if (entries.size() != 1) {
      fail(field, "expected exactly one action");
    }
    value = entries.front();
    word = value.name;
    if (word == "replace") {
      rule.action = RuleAction::replace;
      rule_replace(value, rule);
      return;
    }
    argument = word == "skip" || word == "keep" ? "" : text(value);
  } else {
    const std::string scalar = text(field, "an action: skip, keep, tag NAME or strip SELECTOR");
    const std::size_t space = scalar.find(' ');
    word = scalar.substr(0, space);
    if (space != std::string::npos) {
      argument_at = scalar.find_first_not_of(' ', space);
      argument = argument_at == std::string::npos ? "" : scalar.substr(argument_at);
    }
    if (std::find(actions.begin(), actions.end(), word) == actions.end()) {
      std::string hint = did_you_mean(word, actions);
      fail(field, "unknown action '" + word + "'" +
                      (hint.empty() ? "; expected one of: " + join(actions, ", ") : hint));
    }
    if (word == "replace") {
      fail(field, "replace takes a mapping: then: {replace: {pattern: RE, with: TEXT}}");
    }
  }
  rule.argument = argument;
  if (word == "skip" || word == "keep") {
    rule.action = word == "skip" ? RuleAction::skip : RuleAction::keep;
    if (!argument.empty()) {
      fail(value, word + " takes no argument");
    }
  } else if (word == "tag") {
    rule.action = RuleAction::tag;
    if (!is_mail_safe_name(argument, false)) {
      fail(value, "tag '" + argument +
                      "' cannot be used in a mail address (user+TAG); use letters, digits, "
                      "'.', '_' and '-'");
    }
  } else {
    rule.action = RuleAction::strip;
    if (auto error = content::selector_error(argument)) {
      ConfigMark mark = value.value.mark();
      // A plain one-line scalar starts at its mark; a quoted one a character later.
      mark.column += static_cast<int>((value.value.tag() == "!" ? 1 : 0) + argument_at +
                                      std::min(error->offset, argument.size()));
      const bool comment = !argument.empty() && argument.back() == ',';
      fail(mark, value.path + ": bad selector '" + argument + "': " + error->message +
                     (comment ? " (in YAML ' #' starts a comment: quote the selector)" : ""));
    }
  }
}

void Loader::rule_replace(const Field& field, content::Rule& rule) const {
  const auto fail_at = [this](const Field& f, const std::string& m) { fail(f, m); };
  bool has_pattern = false;
  bool has_with = false;
  Field pattern_field = field;
  for (const Field& f : keys_of(field, {"pattern", "with", "in"},
                                "{pattern: RE, with: TEXT, in: content | title}", fail_at)) {
    if (f.name == "pattern") {
      rule.argument = text(f, "a regular expression");
      pattern_field = f;
      has_pattern = true;
      if (auto error = content::pattern_error(rule.argument)) {
        fail(f, "bad regular expression '" + rule.argument + "': " + *error + " (RE2 syntax)");
      }
    } else if (f.name == "with") {
      rule.replacement = f.value.is_null() ? "" : text(f, "replacement text");
      has_with = true;
    } else {
      rule.target =
          choice<RuleField>(f, {{"content", RuleField::content}, {"title", RuleField::title}});
    }
  }
  if (!has_pattern || !has_with) {
    // A missing `with` is pointed out at the pattern it belongs to.
    const Field at{field.name, field.path, pattern_field.key, pattern_field.value};
    fail(at, std::string("replace needs ") + (has_pattern ? "" : "pattern") +
                 (!has_pattern && !has_with ? " and " : "") + (has_with ? "" : "with"));
  }
  if (auto error = content::rewrite_error(rule.argument, rule.replacement)) {
    fail(pattern_field, "'with: " + rule.replacement + "' does not fit the pattern: " + *error);
  }
}

} // namespace config_detail

namespace {

bool tags(const std::vector<content::Rule>& list, const std::string& tag) {
  return std::any_of(list.begin(), list.end(), [&tag](const content::Rule& r) {
    return r.action == content::RuleAction::tag && r.argument == tag;
  });
}

} // namespace

bool Config::global_rule_tags(const std::string& tag) const {
  return tags(rules, tag);
}

std::vector<std::string> Config::rule_tag_feeds(const std::string& name,
                                                const std::string& tag) const {
  std::vector<std::string> out;
  const bool global = global_rule_tags(tag);
  for (const auto& key : subscriptions(name)) {
    if (global || tags(feeds.at(key).rules, tag)) {
      out.push_back(key);
    }
  }
  return out;
}

} // namespace feedpop::gateway
