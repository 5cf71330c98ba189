#include "feeds/text_construct.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/html_entities.hpp"

namespace feedpop::feeds::text {

namespace {

std::string local_lower(std::string_view qname) {
  auto colon = qname.rfind(':');
  return ascii::lower(colon != std::string_view::npos ? qname.substr(colon + 1) : qname);
}

// Text of inline markup is written escaped (html::escape also turns '"' into &quot;, which
// is harmless: the result is sanitised or reduced to text, both of which decode it).
void append_text(std::string& out, std::string_view text, bool xhtml) {
  if (xhtml) {
    html::escape_into(out, text);
  } else {
    out += text;
  }
}

void serialize(pugi::xml_node node, std::string& out, bool& xhtml, std::size_t depth) {
  // Leading text is the element's own value (pugi::parse_embed_pcdata), not a child node.
  append_text(out, node.value(), xhtml);
  for (pugi::xml_node child : node.children()) {
    switch (child.type()) {
    case pugi::node_pcdata:
    case pugi::node_cdata:
      append_text(out, child.value(), xhtml);
      break;
    case pugi::node_element: {
      if (depth == 0) {
        xhtml = true;
        break;
      }
      std::string name = local_lower(child.name());
      if (!xhtml && name == "div") {
        // A <div> wrapping escaped HTML is a wrapper, not markup (TypePad; feedparser).
        serialize(child, out, xhtml, depth - 1);
        break;
      }
      xhtml = true;
      out += '<';
      out += name;
      for (pugi::xml_attribute a = child.first_attribute(); a; a = a.next_attribute()) {
        std::string_view an = a.name();
        if (an == "xmlns" || an.starts_with("xmlns:")) {
          continue;
        }
        out += ' ';
        for (char c : an) {
          out += ascii::lower(c);
        }
        out += "=\"";
        html::escape_into(out, a.value());
        out += '"';
      }
      out += '>';
      serialize(child, out, xhtml, depth - 1);
      out += "</";
      out += name;
      out += '>';
      break;
    }
    default:
      break;
    }
  }
}

bool is_word(char c) {
  return ascii::is_alnum(c) || c == '_';
}

} // namespace

std::string inner_markup(pugi::xml_node node, bool& xhtml, std::size_t max_depth) {
  std::string out;
  serialize(node, out, xhtml, max_depth);
  return out;
}

std::string direct_text(pugi::xml_node node) {
  std::string out(node.value()); // leading text (pugi::parse_embed_pcdata)
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out += child.value();
    }
  }
  return out;
}

bool looks_like_html(std::string_view s) {
  bool signal = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      std::size_t j = i + 1;
      bool close = j < s.size() && s[j] == '/';
      j += close ? 1 : 0;
      std::size_t start = j;
      while (j < s.size() && is_word(s[j])) {
        ++j;
      }
      if (j == start) {
        continue;
      }
      std::string name(s.substr(start, j - start));
      for (char& c : name) {
        c = ascii::lower(c);
      }
      if (!html::is_safe_element(name)) {
        return false;
      }
      if (close && j < s.size() && s[j] == '>') {
        signal = true;
      }
    } else if (s[i] == '&') {
      std::size_t j = i + 1;
      bool numeric = j < s.size() && s[j] == '#';
      j += numeric ? 1 : 0;
      std::size_t start = j;
      while (j < s.size() && is_word(s[j])) {
        ++j;
      }
      if (j > start && j < s.size() && s[j] == ';') {
        signal = true;
        if (!numeric && !html::lookup_entity(s.substr(start, j - start))) {
          return false;
        }
      }
    }
  }
  return signal;
}

std::string strip_xhtml_div(std::string markup) {
  std::string_view m = markup;
  auto first = m.find_first_not_of(" \t\r\n");
  auto last = m.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return markup;
  }
  m = m.substr(first, last - first + 1);
  if (!(m.starts_with("<div>") || m.starts_with("<div ")) || !m.ends_with("</div>")) {
    return markup;
  }
  // The opening div must be closed only by the final </div>.
  int depth = 0;
  std::size_t i = 0;
  while (i < m.size()) {
    auto lt = m.find('<', i);
    if (lt == std::string_view::npos) {
      break;
    }
    auto gt = m.find('>', lt);
    if (gt == std::string_view::npos) {
      break;
    }
    bool close = lt + 1 < m.size() && m[lt + 1] == '/';
    depth += close ? -1 : 1;
    if (depth == 0 && gt + 1 != m.size()) {
      return markup;
    }
    i = gt + 1;
  }
  auto open_end = m.find('>');
  return std::string(m.substr(open_end + 1, m.size() - 6 - open_end - 1));
}

std::optional<std::string> clean(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  auto last = s.find_last_not_of(" \t\r\n\f\v");
  return std::string(s.substr(first, last - first + 1));
}

void clean_in_place(std::string& s) {
  const auto last = s.find_last_not_of(" \t\r\n\f\v");
  if (last == std::string::npos) {
    s.clear();
    return;
  }
  s.erase(last + 1);
  s.erase(0, s.find_first_not_of(" \t\r\n\f\v"));
}

Person split_author(std::string_view raw) {
  Person p;
  std::string s(raw);
  // An address: local@domain.tld (feedparser's pattern: a 2–4 letter or numeric last label).
  auto at = s.find('@');
  if (at != std::string::npos) {
    auto is_local = [](char c) {
      return ascii::is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '+';
    };
    auto is_domain = [](char c) { return ascii::is_alnum(c) || c == '-' || c == '.'; };
    std::size_t b = at;
    while (b > 0 && is_local(s[b - 1])) {
      --b;
    }
    std::size_t e = at + 1;
    while (e < s.size() && is_domain(s[e])) {
      ++e;
    }
    while (e > at + 1 && s[e - 1] == '.') {
      --e;
    }
    std::string_view domain = std::string_view(s).substr(at + 1, e - at - 1);
    auto dot = domain.rfind('.');
    if (b < at && dot != std::string_view::npos && dot + 1 < domain.size()) {
      p.email = s.substr(b, e - b);
      std::string rest = s.substr(0, b) + s.substr(e);
      for (std::string_view junk : {"()", "<>", "&lt;&gt;"}) {
        for (auto pos = rest.find(junk); pos != std::string::npos; pos = rest.find(junk)) {
          rest.erase(pos, junk.size());
        }
      }
      auto name = clean(rest);
      if (name && name->front() == '(') {
        name->erase(0, 1);
      }
      if (name && !name->empty() && name->back() == ')') {
        name->pop_back();
      }
      p.name = name ? clean(*name) : std::nullopt;
      return p;
    }
  }
  p.name = clean(s);
  return p;
}

namespace {

// Index of the first byte >= 0x80 in s[i..], or s.size(). Every text construct passes
// fix_double_utf8, nearly all of them ASCII: 16 bytes per step where SSE2 is there.
std::size_t next_non_ascii(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(v)); mask != 0) {
      return i + static_cast<std::size_t>(std::countr_zero(mask));
    }
  }
#endif
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) {
    ++i;
  }
  return i;
}

} // namespace

void fix_double_utf8(std::string& s) {
  // Only strings made of ASCII and U+0080–U+00FF can be mis-decoded UTF-8: every byte at
  // or above 0x80 must be the lead byte 0xC2 or 0xC3 of a two-byte sequence.
  bool any = false;
  for (std::size_t i = next_non_ascii(s, 0); i < s.size(); i = next_non_ascii(s, i + 2)) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c != 0xC2 && c != 0xC3) || i + 1 >= s.size()) {
      return;
    }
    any = true;
  }
  if (!any) {
    return;
  }
  // Each pair becomes the byte it encodes (U+0080–U+00FF in Latin-1); the result replaces
  // `s` only when those bytes are UTF-8.
  std::string latin1(s.size(), '\0');
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      latin1[n++] = static_cast<char>(c);
    } else {
      latin1[n++] =
          static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F));
    }
  }
  latin1.resize(n);
  if (utf8::is_valid(latin1)) {
    s = std::move(latin1);
  }
}

std::optional<std::string> capped(std::optional<std::string> s, std::size_t max_bytes) {
  if (s && s->size() > max_bytes) {
    std::size_t cut = max_bytes;
    // Back over continuation bytes (10xxxxxx) to the start of the cut character.
    while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    s->resize(cut);
  }
  return s;
}

} // namespace feedpop::feeds::text
