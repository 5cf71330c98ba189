// Fuzzes the rules' HTML rewriting and selector parser (content/rules.hpp): the first line
// is a strip selector (any bytes; most do not parse and are dropped like a bad rule), the
// rest an entry's HTML content. strip, a replace on text nodes and the conditions run on
// it: no crash, leak or UB, bounded time and memory. Input beyond 256 KiB is cut.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "content/rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() > 256 * 1024) {
    input = input.substr(0, 256 * 1024);
  }
  const std::size_t eol = input.find('\n');
  const std::string selector(input.substr(0, eol == std::string_view::npos ? 0 : eol));
  const std::string_view html = eol == std::string_view::npos ? input : input.substr(eol + 1);
  (void)feedpop::content::selector_error(selector);

  using feedpop::content::Rule;
  using feedpop::content::RuleAction;
  using feedpop::content::RuleField;
  Rule strip;
  strip.action = RuleAction::strip;
  strip.argument = selector;
  Rule replace;
  replace.action = RuleAction::replace;
  replace.argument = "(\\w+) (\\w+)";
  replace.replacement = "\\2 <\\1>";
  Rule tag;
  tag.action = RuleAction::tag;
  tag.argument = "t";
  tag.conditions = {{RuleField::content, "a+b"}, {RuleField::title, "."}};
  const feedpop::content::RuleSet rules({strip, replace, tag});

  feedpop::feeds::Entry entry;
  entry.title = "fuzz";
  entry.content_html = std::string(html);
  const auto verdict = rules.judge(entry);
  rules.rewrite(entry, verdict);
  return 0;
}
