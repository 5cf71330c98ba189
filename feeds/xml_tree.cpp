#include "feeds/xml_tree.hpp"

#include <array>
#include <cstring>
#include <limits>

#include "feeds/xml_prepass.hpp"

namespace feedpop::feeds::xml {

namespace {

// Character classes of XML names as pugixml reads them (ASCII name characters, and every
// byte of a multi-byte UTF-8 sequence).
enum : std::uint8_t { kSpace = 1, kNameStart = 2, kName = 4 };

constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> t{};
  t[' '] = t['\t'] = t['\n'] = t['\r'] = kSpace;
  for (int c = 0; c < 256; ++c) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alpha || c == '_' || c == ':' || c >= 0x80) {
      t[c] = kNameStart | kName;
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '.') {
      t[c] = kName;
    }
  }
  return t;
}();

bool is(char c, std::uint8_t cls) {
  return (kClass[static_cast<unsigned char>(c)] & cls) != 0;
}

// Writes the UTF-8 form of `cp` at `out`; returns the bytes written. Values that are not
// Unicode scalar values (or U+0000) become U+FFFD: the output is always valid UTF-8.
std::size_t put_utf8(char* out, std::uint64_t cp) {
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    cp = 0xFFFD;
  }
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Decodes the reference at [r, end) (r points at '&') into `w`. Returns false when it is not
// a reference XML defines (it then stays literal text). A numeric reference is never longer
// than its UTF-8 form (&#N; is at least 4 bytes for 1–4 bytes out, and longer forms are
// longer), so decoding in place never overtakes the reader.
bool decode_reference(const char*& r, const char* end, char*& w) {
  std::size_t left = static_cast<std::size_t>(end - r);
  if (left >= 3 && r[1] == '#') {
    const char* p = r + 2;
    bool hex = p < end && (*p == 'x' || *p == 'X');
    p += hex ? 1 : 0;
    const char* digits = p;
    std::uint64_t cp = 0;
    while (p < end && p - digits < 12) {
      auto c = static_cast<unsigned char>(*p);
      unsigned v = 0;
      if (c >= '0' && c <= '9') {
        v = c - '0';
      } else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        v = (c | 0x20) - 'a' + 10;
      } else {
        break;
      }
      cp = cp * (hex ? 16 : 10) + v;
      ++p;
    }
    if (p == digits || p >= end || *p != ';') {
      return false;
    }
    w += put_utf8(w, cp);
    r = p + 1;
    return true;
  }
  struct Predefined {
    std::string_view ref;
    char c;
  };
  static constexpr std::array<Predefined, 5> kPredefined = {
      {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}}};
  for (const auto& p : kPredefined) {
    if (left >= p.ref.size() && std::memcmp(r, p.ref.data(), p.ref.size()) == 0) {
      *w++ = p.c;
      r += p.ref.size();
      return true;
    }
  }
  return false;
}

// Decodes text or an attribute value in place; returns its new length.
std::uint32_t decode(char* begin, const char* end, bool attribute) {
  const char* r = begin;
  // Fast path: nothing to change up to the first '&' or CR (or whitespace in attributes).
  while (r < end && *r != '&' && *r != '\r' && !(attribute && (*r == '\t' || *r == '\n'))) {
    ++r;
  }
  char* w = begin + (r - begin);
  while (r < end) {
    char c = *r;
    if (c == '&') {
      if (!decode_reference(r, end, w)) {
        *w++ = *r++;
      }
    } else if (c == '\r') {
      *w++ = attribute ? ' ' : '\n';
      ++r;
      if (r < end && *r == '\n') {
        ++r;
      }
    } else if (attribute && (c == '\t' || c == '\n')) {
      *w++ = ' ';
      ++r;
    } else {
      *w++ = c;
      ++r;
    }
  }
  return static_cast<std::uint32_t>(w - begin);
}

// CDATA keeps its bytes; only line ends are normalised.
std::uint32_t normalize_eol(char* begin, const char* end) {
  char* w = static_cast<char*>(std::memchr(begin, '\r', static_cast<std::size_t>(end - begin)));
  if (w == nullptr) {
    return static_cast<std::uint32_t>(end - begin);
  }
  const char* r = w;
  while (r < end) {
    if (*r == '\r') {
      *w++ = '\n';
      ++r;
      if (r < end && *r == '\n') {
        ++r;
      }
    } else {
      *w++ = *r++;
    }
  }
  return static_cast<std::uint32_t>(w - begin);
}

const char* find(const char* from, const char* end, std::string_view what) {
  while (from < end) {
    const void* hit = std::memchr(from, what[0], static_cast<std::size_t>(end - from));
    if (hit == nullptr) {
      return nullptr;
    }
    const char* h = static_cast<const char*>(hit);
    if (static_cast<std::size_t>(end - h) < what.size()) {
      return nullptr;
    }
    if (std::memcmp(h, what.data(), what.size()) == 0) {
      return h;
    }
    from = h + 1;
  }
  return nullptr;
}

} // namespace

// One scan of the document. The counting pass (Build = false) sizes the vectors, the
// building pass fills them; both follow the same grammar, so before the first error they
// see the same nodes (the counting pass does not check end-tag names, so it may count more,
// never fewer).
template <bool Build> class Scanner {
public:
  Scanner(char* begin, char* end, Document* doc) : begin_(begin), end_(end), doc_(doc) {}

  ParseStatus run();
  std::size_t nodes = 1, attributes = 0; // counting pass results (the document node included)

private:
  ParseStatus fail(const char* at, const char* what) const {
    return {false, static_cast<std::size_t>(at - begin_), what};
  }
  Document::Span span(const char* from, std::size_t size) const {
    return {static_cast<std::uint32_t>(from - begin_), static_cast<std::uint32_t>(size)};
  }
  // Appends a child of the current element; returns its index.
  std::uint32_t add_node(NodeType type, Document::Span name, Document::Span value);
  ParseStatus start_tag(char*& p);
  ParseStatus end_tag(char*& p);
  ParseStatus markup_declaration(char*& p);
  void text(char* from, char* to);

  char* begin_;
  char* end_;
  Document* doc_;
  std::vector<std::uint32_t> open_;  // building: the open elements (the document first)
  std::size_t depth_ = 0;            // open elements
  bool current_has_content_ = false; // the current element has a child or leading text
};

template <bool Build>
std::uint32_t Scanner<Build>::add_node(NodeType type, Document::Span name, Document::Span value) {
  current_has_content_ = true;
  if constexpr (!Build) {
    ++nodes;
    return 0;
  } else {
    auto& all = doc_->nodes_;
    auto index = static_cast<std::uint32_t>(all.size());
    Document::NodeData n;
    n.type = type;
    n.name = name;
    n.value = value;
    all.push_back(n);
    auto& parent = all[open_.back()];
    if (parent.first_child == 0) {
      parent.first_child = index;
    } else {
      all[parent.last_child].next_sibling = index;
    }
    parent.last_child = index;
    return index;
  }
}

template <bool Build> void Scanner<Build>::text(char* from, char* to) {
  const char* p = from;
  while (p < to && is(*p, kSpace)) {
    ++p;
  }
  if (p == to || depth_ == 0) {
    return; // whitespace between tags, or text outside the root element
  }
  if (!current_has_content_) {
    current_has_content_ = true;
    if constexpr (Build) {
      std::uint32_t size = decode(from, to, false);
      doc_->nodes_[open_.back()].value = span(from, size);
    }
    return;
  }
  if constexpr (Build) {
    std::uint32_t size = decode(from, to, false);
    add_node(NodeType::pcdata, {}, span(from, size));
  } else {
    add_node(NodeType::pcdata, {}, {});
  }
}

template <bool Build> ParseStatus Scanner<Build>::start_tag(char*& p) {
  char* tag = p;
  char* name = ++p;
  while (p < end_ && is(*p, kName)) {
    ++p;
  }
  std::uint32_t element =
      add_node(NodeType::element, span(name, static_cast<std::size_t>(p - name)), {});
  std::uint32_t first_attribute = Build ? static_cast<std::uint32_t>(doc_->attributes_.size()) : 0;
  std::uint32_t attribute_count = 0;
  auto finish = [&](bool open) {
    if constexpr (Build) {
      auto& n = doc_->nodes_[element];
      n.first_attribute = first_attribute;
      n.attribute_count = attribute_count;
      if (open) {
        open_.push_back(element);
      }
    }
    if (open) {
      ++depth_;
      current_has_content_ = false;
    }
  };
  if (p < end_ && !is(*p, kSpace) && *p != '/' && *p != '>') {
    finish(false);
    return fail(p, "bad start tag");
  }
  for (;;) {
    while (p < end_ && is(*p, kSpace)) {
      ++p;
    }
    if (p == end_) {
      finish(false);
      return fail(tag, "unexpected end of document in a start tag");
    }
    if (*p == '>') {
      ++p;
      finish(true);
      return {};
    }
    if (*p == '/') {
      if (p + 1 < end_ && p[1] == '>') {
        p += 2;
        finish(false);
        return {};
      }
      finish(false);
      return fail(p, "bad start tag");
    }
    if (!is(*p, kNameStart)) {
      finish(false);
      return fail(p, "bad start tag");
    }
    char* attribute_name = p;
    while (p < end_ && is(*p, kName)) {
      ++p;
    }
    auto name_size = static_cast<std::size_t>(p - attribute_name);
    while (p < end_ && is(*p, kSpace)) {
      ++p;
    }
    if (p == end_ || *p != '=') {
      finish(false);
      return fail(p, "bad attribute (no '=')");
    }
    ++p;
    while (p < end_ && is(*p, kSpace)) {
      ++p;
    }
    if (p == end_ || (*p != '"' && *p != '\'')) {
      finish(false);
      return fail(p, "bad attribute (value not quoted)");
    }
    char quote = *p++;
    auto* close = static_cast<char*>(std::memchr(p, quote, static_cast<std::size_t>(end_ - p)));
    if (close == nullptr) {
      finish(false);
      return fail(attribute_name, "bad attribute (value not closed)");
    }
    if constexpr (Build) {
      std::uint32_t size = decode(p, close, true);
      doc_->attributes_.push_back({span(attribute_name, name_size), span(p, size)});
    } else {
      ++attributes;
    }
    ++attribute_count;
    p = close + 1;
    if (p < end_ && is(*p, kNameStart)) {
      finish(false);
      return fail(p, "bad attribute (no space before the next one)");
    }
  }
}

template <bool Build> ParseStatus Scanner<Build>::end_tag(char*& p) {
  char* tag = p;
  p += 2;
  char* name = p;
  while (p < end_ && is(*p, kName)) {
    ++p;
  }
  if (depth_ == 0) {
    return fail(tag, "end tag without a start tag");
  }
  if constexpr (Build) {
    std::string_view open = doc_->view(doc_->nodes_[open_.back()].name);
    if (open != std::string_view(name, static_cast<std::size_t>(p - name))) {
      return fail(tag, "start-end tags mismatch");
    }
    open_.pop_back();
  }
  --depth_;
  current_has_content_ = true; // the parent has this element as a child
  while (p < end_ && is(*p, kSpace)) {
    ++p;
  }
  if (p == end_ || *p != '>') {
    return fail(p, "bad end tag");
  }
  ++p;
  return {};
}

template <bool Build> ParseStatus Scanner<Build>::markup_declaration(char*& p) {
  std::string_view rest(p, static_cast<std::size_t>(end_ - p));
  if (rest.starts_with("<!--")) {
    const char* close = find(p + 4, end_, "-->");
    if (close == nullptr) {
      return fail(p, "unterminated comment");
    }
    p = const_cast<char*>(close) + 3;
    return {};
  }
  if (rest.starts_with("<![CDATA[")) {
    char* body = p + 9;
    const char* close = find(body, end_, "]]>");
    if (close == nullptr) {
      return fail(p, "unterminated CDATA section");
    }
    if constexpr (Build) {
      std::uint32_t size = normalize_eol(body, close);
      add_node(NodeType::cdata, {}, span(body, size));
    } else {
      add_node(NodeType::cdata, {}, {});
    }
    p = const_cast<char*>(close) + 3;
    return {};
  }
  if (rest.starts_with("<!DOCTYPE")) {
    // Skipped whole, internal subset included; nothing in it is ever read.
    std::size_t end = doctype_end(rest, 0);
    if (end == std::string_view::npos) {
      return fail(p, "unterminated DOCTYPE");
    }
    p += end;
    return {};
  }
  return fail(p, "unrecognized markup declaration");
}

template <bool Build> ParseStatus Scanner<Build>::run() {
  if constexpr (Build) {
    open_.push_back(0);
  }
  char* p = begin_;
  while (p < end_) {
    if (*p != '<') {
      auto* lt = static_cast<char*>(std::memchr(p, '<', static_cast<std::size_t>(end_ - p)));
      char* to = lt == nullptr ? end_ : lt;
      text(p, to);
      p = to;
      continue;
    }
    ParseStatus s;
    char next = p + 1 < end_ ? p[1] : '\0';
    if (is(next, kNameStart)) {
      s = start_tag(p);
    } else if (next == '/') {
      s = end_tag(p);
    } else if (next == '?') {
      const char* close = find(p + 2, end_, "?>");
      if (close == nullptr) {
        return fail(p, "unterminated processing instruction");
      }
      p = const_cast<char*>(close) + 2;
    } else if (next == '!') {
      s = markup_declaration(p);
    } else {
      s = fail(p, "'<' that starts no tag");
    }
    if (!s) {
      return s;
    }
  }
  if (depth_ != 0) {
    return fail(end_, "unexpected end of document (unclosed element)");
  }
  return {};
}

ParseStatus Document::parse_in_place(std::string& buffer) {
  nodes_.clear();
  attributes_.clear();
  base_ = buffer.data();
  if (buffer.size() >= std::numeric_limits<std::uint32_t>::max()) {
    nodes_.emplace_back();
    return {false, 0, "document too large for the XML tree"};
  }
  char* begin = buffer.data();
  char* end = begin + buffer.size();
  Scanner<false> counter(begin, end, this);
  (void)counter.run();
  nodes_.reserve(counter.nodes);
  attributes_.reserve(counter.attributes);
  nodes_.emplace_back(); // the document node
  Scanner<true> builder(begin, end, this);
  return builder.run();
}

} // namespace feedpop::feeds::xml
