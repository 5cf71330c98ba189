#include "feeds/charset.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <iconv.h>
#include <vector>

#include "common/ascii.hpp"
#include "common/utf8.hpp"

namespace feedpop::feeds::charset {

namespace {

using ascii::lower;
using ascii::trim;

struct Bom {
  std::string encoding;
  std::size_t length = 0;
};

// feedparser's sniffing: byte order marks, then the first characters of "<?xml" in
// UTF-16/32 without a mark.
Bom sniff_bom(std::string_view d) {
  auto at = [&](std::size_t i) -> unsigned {
    return i < d.size() ? static_cast<unsigned char>(d[i]) : 0x100u;
  };
  auto is = [&](std::initializer_list<unsigned> bytes) {
    std::size_t i = 0;
    for (unsigned b : bytes) {
      if (at(i++) != b) {
        return false;
      }
    }
    return true;
  };
  if (is({0x00, 0x00, 0xFE, 0xFF})) {
    return {"utf-32be", 4};
  }
  if (is({0xFF, 0xFE, 0x00, 0x00})) {
    return {"utf-32le", 4};
  }
  if (is({0xFE, 0xFF}) && !(at(2) == 0 && at(3) == 0)) {
    return {"utf-16be", 2};
  }
  if (is({0xFF, 0xFE}) && !(at(2) == 0 && at(3) == 0)) {
    return {"utf-16le", 2};
  }
  if (is({0xEF, 0xBB, 0xBF})) {
    return {"utf-8", 3};
  }
  if (is({0x00, 0x3C, 0x00, 0x3F})) {
    return {"utf-16be", 0};
  }
  if (is({0x3C, 0x00, 0x3F, 0x00})) {
    return {"utf-16le", 0};
  }
  if (is({0x00, 0x00, 0x00, 0x3C})) {
    return {"utf-32be", 0};
  }
  if (is({0x3C, 0x00, 0x00, 0x00})) {
    return {"utf-32le", 0};
  }
  return {};
}

// The encoding pseudo-attribute of an XML declaration at the very start (XML 1.0 §4.3.3).
std::string xml_declared_encoding(std::string_view ascii) {
  if (!ascii.starts_with("<?xml")) {
    return {};
  }
  auto end = ascii.find("?>");
  std::string_view decl = ascii.substr(0, end == std::string_view::npos ? 200 : end);
  auto pos = decl.find("encoding");
  if (pos == std::string_view::npos) {
    return {};
  }
  pos += 8;
  while (pos < decl.size() && (decl[pos] == ' ' || decl[pos] == '=' || decl[pos] == '\t')) {
    ++pos;
  }
  if (pos >= decl.size() || (decl[pos] != '"' && decl[pos] != '\'')) {
    return {};
  }
  char q = decl[pos++];
  auto close = decl.find(q, pos);
  if (close == std::string_view::npos) {
    return {};
  }
  return lower(decl.substr(pos, close - pos));
}

std::string content_type_charset(std::string_view content_type, std::string& media_type) {
  auto semi = content_type.find(';');
  media_type = lower(trim(content_type.substr(0, semi)));
  std::string charset;
  while (semi != std::string_view::npos) {
    auto param = content_type.substr(semi + 1);
    semi = param.find(';');
    param = trim(param.substr(0, semi));
    auto eq = param.find('=');
    if (eq != std::string_view::npos && lower(trim(param.substr(0, eq))) == "charset") {
      std::string value;
      for (char c : trim(param.substr(eq + 1))) {
        if (c != '"' && c != '\'') {
          value += c;
        }
      }
      charset = lower(value);
    }
  }
  return charset;
}

bool is_utf16_or_32_name(std::string_view e) {
  static constexpr std::array<std::string_view, 14> names = {
      "u16",    "utf-16",          "utf16",           "utf_16", "u32",       "utf-32", "utf32",
      "utf_32", "iso-10646-ucs-2", "iso-10646-ucs-4", "csucs4", "csunicode", "ucs-2",  "ucs-4"};
  return std::find(names.begin(), names.end(), e) != names.end();
}

// Python codec names that glibc iconv spells differently.
std::string iconv_name(std::string_view encoding) {
  std::string e = lower(encoding);
  if (e == "utf-16" || e == "utf16" || e == "utf_16") {
    return "UTF-16"; // BOM-driven, little endian without a mark (as Python)
  }
  if (e == "gb2312" || e == "gbk" || e == "x-gbk") {
    return "GB18030"; // feedparser widens GB2312 to GB18030
  }
  if (e == "x-sjis" || e == "shift-jis" || e == "sjis") {
    return "SHIFT_JIS";
  }
  if (e == "latin1" || e == "latin-1") {
    return "ISO-8859-1";
  }
  if (e == "us-ascii" || e == "ascii") {
    return "ASCII";
  }
  return e;
}

} // namespace

bool convert(std::string_view bytes, std::string_view encoding, std::string& out) {
  std::string name = iconv_name(encoding);
  if (name == "utf-8" || name == "utf8") {
    if (!utf8::is_valid(bytes)) {
      return false;
    }
    out.assign(bytes);
    return true;
  }
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return false;
  }
  // Sized for mostly-ASCII text (what feeds are, whatever the charset), grown by half on
  // demand: doubling up front would cost twice the document for nothing.
  out.clear();
  out.resize(bytes.size() + bytes.size() / 4 + 64);
  // POSIX declares iconv's input `char**` but never writes through it: no copy is needed.
  char* inp = const_cast<char*>(bytes.data());
  std::size_t inleft = bytes.size();
  std::size_t done = 0;
  bool ok = true;
  while (inleft > 0) {
    char* outp = out.data() + done;
    std::size_t outleft = out.size() - done;
    std::size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
    done = out.size() - outleft;
    if (r == static_cast<std::size_t>(-1)) {
      if (errno == E2BIG) {
        out.resize(out.size() + out.size() / 2 + 64);
        continue;
      }
      ok = false; // EILSEQ or EINVAL (truncated sequence): not this encoding
      break;
    }
  }
  iconv_close(cd);
  out.resize(done);
  // iconv passes through code points it considers valid; guarantee UTF-8 anyway.
  return ok && utf8::is_valid(out);
}

namespace {

// `owned`, when given, holds `body` and may be taken over: a document that is valid UTF-8
// already (nearly every feed) then becomes the result without being copied.
Decoded decode(std::string_view body, std::string_view content_type, std::string* owned) {
  Bom bom = sniff_bom(body);
  std::string_view data = body.substr(bom.length);
  std::string ascii_head;
  if (!bom.encoding.empty() && bom.encoding != "utf-8") {
    std::string head;
    if (convert(data.substr(0, std::min<std::size_t>(data.size(), 1024) & ~std::size_t{3}),
                bom.encoding, head)) {
      ascii_head = head;
    }
  } else {
    ascii_head = data.substr(0, std::min<std::size_t>(data.size(), 512));
  }
  std::string xml_encoding = xml_declared_encoding(ascii_head);
  if (!bom.encoding.empty() && is_utf16_or_32_name(xml_encoding)) {
    xml_encoding = bom.encoding;
  }
  std::string media_type;
  std::string http_encoding = content_type_charset(content_type, media_type);
  std::string rfc3023;
  bool app_xml = media_type == "application/xml" || media_type == "application/xml-dtd" ||
                 media_type == "application/xml-external-parsed-entity" ||
                 (media_type.starts_with("application/") && media_type.ends_with("+xml"));
  if (app_xml) {
    rfc3023 = !http_encoding.empty()  ? http_encoding
              : !xml_encoding.empty() ? xml_encoding
                                      : "utf-8";
  } else if (media_type.starts_with("text/")) {
    rfc3023 = !http_encoding.empty() ? http_encoding : "us-ascii";
  } else {
    rfc3023 = !xml_encoding.empty() ? xml_encoding : "utf-8";
  }
  Decoded result;
  std::vector<std::string> tried;
  for (const std::string& candidate : {rfc3023, xml_encoding, bom.encoding, std::string("utf-8"),
                                       std::string("windows-1252"), std::string("iso-8859-2")}) {
    if (candidate.empty() || std::find(tried.begin(), tried.end(), candidate) != tried.end()) {
      continue;
    }
    tried.push_back(candidate);
    std::string name = iconv_name(candidate);
    if (owned != nullptr && (name == "utf-8" || name == "utf8")) {
      if (!utf8::is_valid(data)) {
        continue;
      }
      owned->erase(0, bom.length);
      result.utf8 = std::move(*owned);
      result.encoding = candidate;
      if (candidate != rfc3023) {
        result.problem = "document declared as " + rfc3023 + ", but parsed as " + candidate;
      }
      return result;
    }
    if (convert(data, candidate, result.utf8)) {
      result.encoding = candidate;
      if (candidate != rfc3023) {
        result.problem = "document declared as " + rfc3023 + ", but parsed as " + candidate;
      }
      return result;
    }
  }
  // Unreachable in practice (ISO-8859-2 decodes every byte); stay valid regardless.
  result.utf8 = utf8::repair(data);
  result.encoding = "utf-8";
  result.problem = "document encoding unknown";
  return result;
}

} // namespace

Decoded to_utf8(std::string_view body, std::string_view content_type) {
  return decode(body, content_type, nullptr);
}

Decoded to_utf8(std::string&& body, std::string_view content_type) {
  std::string owned = std::move(body);
  return decode(owned, content_type, &owned);
}

} // namespace feedpop::feeds::charset
