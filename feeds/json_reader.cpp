#include "feeds/json_reader.hpp"

#include <bit>
#include <string>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/utf8.hpp"

namespace feedpop::feeds::json {

namespace {

using nlohmann::json;

// The nesting check that ran over the whole body before the reader replaced nlohmann's
// parser; it still applies to what follows a NUL byte, which neither parser reads.
bool nesting_within(std::string_view s, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return false;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// Index of the first '"', '\\' or control character in s[i..], or s.size(): string contents
// are most of a JSON feed, so they are scanned 16 bytes per step where SSE2 is there.
std::size_t next_string_special(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1F);
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                               _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v));
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0) {
      return i + static_cast<std::size_t>(std::countr_zero(mask));
    }
  }
#endif
  while (i < s.size() && s[i] != '"' && s[i] != '\\' && static_cast<unsigned char>(s[i]) >= 0x20) {
    ++i;
  }
  return i;
}

// Reads a JSON document (RFC 8259) into the nlohmann::json value nlohmann's own parser
// would build, accepting and refusing exactly what it does: its lexer copies every byte into
// an error-reporting buffer, which made it most of the cost of a JSON feed. Numbers, rare in
// feeds, are still converted by nlohmann (same integer/float choice). The reader recurses per
// nesting level: deeper documents are refused, as they were before it replaced nlohmann.
class Reader {
public:
  explicit Reader(std::string_view s) : s_(s) {}

  // The document's value; nullopt where nlohmann reports a parse error.
  std::optional<json> document() {
    if (!s_.empty() && static_cast<unsigned char>(s_[0]) == 0xEF) {
      if (!s_.starts_with("\xEF\xBB\xBF")) {
        return std::nullopt;
      }
      i_ = 3;
    }
    json v;
    if (!value(v)) {
      return std::nullopt;
    }
    skip_whitespace();
    // nlohmann reads a NUL byte outside strings as the end of the input.
    if (peek() != '\0' || (i_ < s_.size() && !nesting_within(s_.substr(i_), kMaxDepth))) {
      return std::nullopt;
    }
    return v;
  }

private:
  static constexpr int kMaxDepth = 256;

  // One more level of arrays and objects for as long as it lives.
  class Nested {
  public:
    explicit Nested(int& depth) : depth_(depth) { ++depth_; }
    ~Nested() { --depth_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    bool within_limit() const { return depth_ <= kMaxDepth; }

  private:
    int& depth_;
  };

  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  void skip_whitespace() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }

  bool value(json& out) {
    skip_whitespace();
    switch (peek()) {
    case '{':
      return object(out);
    case '[':
      return array(out);
    case '"': {
      // Built in one reused buffer, then copied at its exact size (as nlohmann does): a
      // string grown by appending holds up to twice its size, and bodies are large.
      scratch_.clear();
      if (!string(scratch_)) {
        return false;
      }
      out = scratch_;
      return true;
    }
    case 't':
      return literal("true", out, json(true));
    case 'f':
      return literal("false", out, json(false));
    case 'n':
      return literal("null", out, json(nullptr));
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return number(out);
    default:
      return false;
    }
  }

  bool object(json& out) {
    Nested level(depth_);
    if (!level.within_limit()) {
      return false;
    }
    ++i_;
    out = json::object();
    skip_whitespace();
    if (peek() == '}') {
      ++i_;
      return true;
    }
    std::string key;
    while (true) {
      skip_whitespace();
      key.clear();
      if (peek() != '"' || !string(key)) {
        return false;
      }
      skip_whitespace();
      if (peek() != ':') {
        return false;
      }
      ++i_;
      // A repeated key replaces the earlier value, as in nlohmann's DOM parser.
      if (!value(out[key])) {
        return false;
      }
      skip_whitespace();
      char c = peek();
      ++i_;
      if (c == '}') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  bool array(json& out) {
    Nested level(depth_);
    if (!level.within_limit()) {
      return false;
    }
    ++i_;
    out = json::array();
    skip_whitespace();
    if (peek() == ']') {
      ++i_;
      return true;
    }
    while (true) {
      if (!value(out.emplace_back())) {
        return false;
      }
      skip_whitespace();
      char c = peek();
      ++i_;
      if (c == ']') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  bool literal(std::string_view word, json& out, json v) {
    if (s_.substr(i_, word.size()) != word) {
      return false;
    }
    i_ += word.size();
    out = std::move(v);
    return true;
  }

  bool number(json& out) {
    std::size_t end = i_;
    while (end < s_.size() && (is_digit(s_[end]) || s_[end] == '-' || s_[end] == '+' ||
                               s_[end] == '.' || s_[end] == 'e' || s_[end] == 'E')) {
      ++end;
    }
    // A run that is not exactly one number is an error in the whole document too: nlohmann
    // would read a second number or an invalid literal right after the first.
    out = json::parse(s_.begin() + static_cast<std::ptrdiff_t>(i_),
                      s_.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    i_ = end;
    return !out.is_discarded();
  }

  // Four hex digits at s_[i_]; -1 when they are not.
  int hex4() {
    if (i_ + 4 > s_.size()) {
      return -1;
    }
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      int d = is_digit(c)              ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  // The string at s_[i_] == '"' into out. Control characters must be escaped (RFC 8259
  // §7); a high surrogate escape must be followed by a low one.
  bool string(std::string& out) {
    ++i_;
    std::size_t run = i_;
    while ((i_ = next_string_special(s_, i_)) < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        out.append(s_.substr(run, i_ - run));
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      }
      out.append(s_.substr(run, i_ - run));
      if (++i_ >= s_.size()) {
        return false;
      }
      switch (s_[i_++]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        if (!escaped_code_point(out)) {
          return false;
        }
        break;
      default:
        return false;
      }
      run = i_;
    }
    return false;
  }

  bool escaped_code_point(std::string& out) {
    int cp = hex4();
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
      return false;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') {
        return false;
      }
      i_ += 2;
      int low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) {
        return false;
      }
      cp = ((cp - 0xD800) << 10) + (low - 0xDC00) + 0x10000;
    }
    utf8::append(out, static_cast<char32_t>(cp));
    return true;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;
  std::string scratch_;
};

} // namespace

std::optional<json> read_json(std::string_view doc) {
  return Reader(doc).document();
}

} // namespace feedpop::feeds::json
