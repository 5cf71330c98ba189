#include "content/selector.hpp"

#include <algorithm>

#include "common/ascii.hpp"

namespace feedpop::content {

namespace {

// Limits that keep a hostile or mistyped selector cheap: matching costs depth × steps.
constexpr std::size_t max_compounds = 16;
constexpr std::size_t max_alternatives = 64;

bool is_name_char(char c) {
  return ascii::is_alnum(c) || c == '-' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

class Parser {
public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::variant<Selector, SelectorParseError> run() {
    Selector out;
    skip_blanks();
    if (pos_ == s_.size()) {
      return error("empty selector");
    }
    while (true) {
      ComplexSelector complex;
      while (true) {
        Compound c;
        if (auto e = compound(c)) {
          return *e;
        }
        complex.push_back(std::move(c));
        if (complex.size() > max_compounds) {
          return error("more than 16 steps in one selector");
        }
        const std::size_t before = pos_;
        skip_blanks();
        if (pos_ == s_.size() || s_[pos_] == ',') {
          break;
        }
        if (pos_ == before) {
          return unexpected();
        }
      }
      out.alternatives.push_back(std::move(complex));
      if (out.alternatives.size() > max_alternatives) {
        return error("more than 64 selectors in one list");
      }
      if (pos_ == s_.size()) {
        return out;
      }
      ++pos_; // ','
      skip_blanks();
      if (pos_ == s_.size()) {
        return error("expected a selector after ','");
      }
    }
  }

private:
  std::optional<SelectorParseError> compound(Compound& c) {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '*') {
      ++pos_;
    } else {
      c.name = ascii::lower(identifier());
    }
    while (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == '#')) {
      const char kind = s_[pos_++];
      const std::size_t at = pos_;
      std::string word = identifier();
      if (word.empty()) {
        pos_ = at;
        return error(kind == '.' ? "expected a class name after '.'" : "expected an id after '#'");
      }
      if (kind == '.') {
        c.classes.push_back(std::move(word));
      } else if (!c.id.empty()) {
        return error("two ids in one compound selector");
      } else {
        c.id = std::move(word);
      }
    }
    if (pos_ == start) {
      return unexpected();
    }
    return std::nullopt;
  }

  std::string identifier() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  void skip_blanks() {
    while (pos_ < s_.size() && is_blank(s_[pos_])) {
      ++pos_;
    }
  }

  SelectorParseError unexpected() const {
    const char c = s_[pos_];
    if (c == '>' || c == '+' || c == '~') {
      return error(std::string("the '") + c +
                   "' combinator is not supported; use descendants ('a b')");
    }
    if (c == '[' || c == ':') {
      return error(std::string("'") + c +
                   "' (attribute and pseudo-class selectors) is not supported; use tag, "
                   ".class or #id");
    }
    return error(std::string("unexpected '") + c + "'; expected tag, .class, #id or ','");
  }

  SelectorParseError error(std::string message) const { return {pos_, std::move(message)}; }

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool has_class(const xmlNode* n, const std::string& wanted) {
  xmlChar* value = xmlGetProp(n, reinterpret_cast<const xmlChar*>("class"));
  if (value == nullptr) {
    return false;
  }
  const std::string_view classes(reinterpret_cast<const char*>(value));
  bool found = false;
  std::size_t pos = 0;
  while (!found && pos < classes.size()) {
    while (pos < classes.size() && is_blank(classes[pos])) {
      ++pos;
    }
    std::size_t end = pos;
    while (end < classes.size() && !is_blank(classes[end])) {
      ++end;
    }
    found = end > pos && classes.substr(pos, end - pos) == wanted;
    pos = end;
  }
  xmlFree(value);
  return found;
}

bool has_id(const xmlNode* n, const std::string& wanted) {
  xmlChar* value = xmlGetProp(n, reinterpret_cast<const xmlChar*>("id"));
  if (value == nullptr) {
    return false;
  }
  const bool same = wanted == reinterpret_cast<const char*>(value);
  xmlFree(value);
  return same;
}

bool matches(const Compound& c, const xmlNode* n) {
  if (n == nullptr || n->type != XML_ELEMENT_NODE) {
    return false;
  }
  if (!c.name.empty() && !ascii::iequals(reinterpret_cast<const char*>(n->name), c.name)) {
    return false;
  }
  if (!c.id.empty() && !has_id(n, c.id)) {
    return false;
  }
  return std::all_of(c.classes.begin(), c.classes.end(),
                     [n](const std::string& cls) { return has_class(n, cls); });
}

bool matches(const ComplexSelector& complex, const xmlNode* n) {
  if (!matches(complex.back(), n)) {
    return false;
  }
  const xmlNode* at = n->parent;
  for (std::size_t i = complex.size() - 1; i-- > 0;) {
    while (at != nullptr && !matches(complex[i], at)) {
      at = at->parent;
    }
    if (at == nullptr) {
      return false;
    }
    at = at->parent;
  }
  return true;
}

} // namespace

std::variant<Selector, SelectorParseError> parse_selector(std::string_view text) {
  return Parser(text).run();
}

bool matches(const Selector& selector, const xmlNode* element) {
  return std::any_of(selector.alternatives.begin(), selector.alternatives.end(),
                     [element](const ComplexSelector& c) { return matches(c, element); });
}

} // namespace feedpop::content
