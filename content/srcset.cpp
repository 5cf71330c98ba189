#include "content/srcset.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/ascii.hpp"

namespace feedpop::content {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

// HTML "valid non-negative integer": digits only.
std::optional<long> parse_integer(std::string_view s) {
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || !ascii::is_digit(s.front()) || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// HTML "valid floating-point number" (digits, optional fraction and exponent), positive.
std::optional<double> parse_density(std::string_view s) {
  if (s.empty() || !(ascii::is_digit(s.front()) || s.front() == '.')) {
    return std::nullopt;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v <= 0) {
    return std::nullopt;
  }
  return v;
}

// The descriptor tokens after a URL, up to the candidate's comma; `i` moves past it.
// Parentheses group a token (spec: "in parens" state), so "(a, b)" stays one token.
std::vector<std::string_view> descriptor_tokens(std::string_view s, std::size_t& i) {
  std::vector<std::string_view> tokens;
  std::size_t start = std::string_view::npos;
  bool in_parens = false;
  auto flush = [&] {
    if (start != std::string_view::npos) {
      tokens.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
    }
  };
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (in_parens) {
      in_parens = c != ')';
    } else if (is_space(c)) {
      flush();
    } else if (c == ',') {
      flush();
      ++i;
      return tokens;
    } else {
      if (start == std::string_view::npos) {
        start = i;
      }
      in_parens = c == '(';
    }
  }
  flush();
  return tokens;
}

// Fills width/density from the tokens; false when they are malformed (spec step "parse
// descriptors": at most one of w and x, h only with w and then ignored).
bool apply_descriptors(const std::vector<std::string_view>& tokens, SrcsetCandidate& c) {
  bool has_density = false;
  bool has_height = false;
  for (std::string_view t : tokens) {
    const char unit = ascii::lower(t.back());
    const std::string_view number = t.substr(0, t.size() - 1);
    if (unit == 'w' && !c.width && !has_density) {
      c.width = parse_integer(number);
      if (!c.width || *c.width == 0) {
        return false;
      }
    } else if (unit == 'x' && !c.width && !has_density && !has_height) {
      const auto d = parse_density(number);
      if (!d) {
        return false;
      }
      c.density = *d;
      has_density = true;
    } else if (unit == 'h' && !has_height && !has_density) {
      const auto h = parse_integer(number);
      if (!h || *h == 0) {
        return false;
      }
      has_height = true;
    } else {
      return false;
    }
  }
  return !has_height || c.width.has_value();
}

} // namespace

std::vector<SrcsetCandidate> parse_srcset(std::string_view s) {
  std::vector<SrcsetCandidate> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ',')) {
      ++i;
    }
    const std::size_t url_start = i;
    while (i < s.size() && !is_space(s[i])) {
      ++i;
    }
    std::string_view url = s.substr(url_start, i - url_start);
    if (url.empty()) {
      break;
    }
    SrcsetCandidate c;
    std::vector<std::string_view> tokens;
    if (url.back() == ',') {
      // "a.jpg, b.jpg 2x": the commas end the candidate, which has no descriptor.
      while (!url.empty() && url.back() == ',') {
        url.remove_suffix(1);
      }
    } else {
      tokens = descriptor_tokens(s, i);
    }
    if (!url.empty() && apply_descriptors(tokens, c)) {
      c.url = std::string(url);
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::optional<long> html_length_pixels(std::string_view v) {
  v = ascii::trim(v);
  if (v.size() > 2 && ascii::iequals(v.substr(v.size() - 2), "px")) {
    v.remove_suffix(2);
  }
  const std::size_t dot = v.find('.');
  const auto whole = parse_integer(v.substr(0, dot));
  if (!whole || *whole == 0 ||
      (dot != std::string_view::npos && !parse_integer(v.substr(dot + 1)))) {
    return std::nullopt;
  }
  return whole;
}

std::string pick_image_source(std::string_view src, std::string_view srcset,
                              std::optional<long> width_attribute, long target) {
  const std::vector<SrcsetCandidate> candidates = parse_srcset(srcset);
  std::string best(src);
  long best_width = -1;
  auto consider = [&](std::string_view url, long width) {
    const long distance = std::labs(width - target);
    const long best_distance = std::labs(best_width - target);
    if (best_width < 0 || distance < best_distance ||
        (distance == best_distance && width > best_width)) {
      best = std::string(url);
      best_width = width;
    }
  };
  bool has_1x = false;
  for (const SrcsetCandidate& c : candidates) {
    has_1x = has_1x || c.width || c.density == 1;
    if (c.width) {
      consider(c.url, *c.width);
    } else if (width_attribute) {
      const double w = std::round(c.density * static_cast<double>(*width_attribute));
      consider(c.url, w >= static_cast<double>(std::numeric_limits<long>::max() / 2)
                          ? std::numeric_limits<long>::max() / 2
                          : static_cast<long>(w));
    }
  }
  // HTML: src is the 1x candidate unless srcset names one (or uses widths).
  if (!src.empty() && width_attribute && !has_1x) {
    consider(src, *width_attribute);
  }
  if (best_width >= 0 || !src.empty()) {
    return best;
  }
  double best_density = 0;
  for (const SrcsetCandidate& c : candidates) {
    const double d = std::fabs(c.density - 1);
    const double b = std::fabs(best_density - 1);
    if (best.empty() || d < b || (d == b && c.density > best_density)) {
      best = c.url;
      best_density = c.density;
    }
  }
  return best;
}

} // namespace feedpop::content
