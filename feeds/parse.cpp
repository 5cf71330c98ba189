#include "feeds/parse.hpp"

#include <optional>

#include "feeds/charset.hpp"
#include "feeds/json_parser.hpp"
#include "feeds/xml_parser.hpp"
#include "feeds/xml_prepass.hpp"

namespace feedpop::feeds {

namespace {

// Larger documents are refused outright: no real feed comes near it, and parsing cost
// (memory: the XML tree and the Feed, on top of the document) must stay bounded.
constexpr std::size_t kMaxDocumentBytes = 64 * 1024 * 1024;

bool looks_like_json(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) {
    body.remove_prefix(3);
  }
  auto first = body.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && body[first] == '{';
}

std::string_view strip_json_prefix(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) {
    body.remove_prefix(3);
  }
  return body;
}

std::optional<ParseResult> refuse_or_json(std::string_view body, const ParseOptions& options) {
  if (body.size() > kMaxDocumentBytes) {
    return ParseError{"document too large: " + std::to_string(body.size()) + " bytes (limit " +
                      std::to_string(kMaxDocumentBytes) + ")"};
  }
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return ParseError{"not a feed: empty document"};
  }
  if (looks_like_json(body)) {
    if (auto feed = json::parse_json_feed(strip_json_prefix(body), options)) {
      return std::move(*feed);
    }
  }
  return std::nullopt;
}

ParseResult parse_xml(charset::Decoded decoded, const ParseOptions& options) {
  std::string bozo = std::move(decoded.problem);
  std::string repaired = xml::repair_lexical_faults(decoded.utf8);
  if (!repaired.empty()) {
    bozo += bozo.empty() ? "" : "; ";
    bozo += repaired;
  }
  return xml::parse_document(decoded.utf8, options, std::move(bozo), decoded.encoding == "utf-8");
}

} // namespace

ParseResult parse(std::string&& body, const ParseOptions& options) {
  if (auto done = refuse_or_json(body, options)) {
    return std::move(*done);
  }
  // The document is released as soon as the XML tree is (at return), never copied when
  // it is UTF-8 already and needs no repair.
  return parse_xml(charset::to_utf8(std::move(body), options.content_type), options);
}

ParseResult parse(std::string_view body, const ParseOptions& options) {
  if (auto done = refuse_or_json(body, options)) {
    return std::move(*done);
  }
  return parse_xml(charset::to_utf8(body, options.content_type), options);
}

const char* format_name(Format format) {
  switch (format) {
  case Format::rss09x:
    return "rss09x";
  case Format::rss10:
    return "rss10";
  case Format::rss20:
    return "rss20";
  case Format::atom03:
    return "atom03";
  case Format::atom10:
    return "atom10";
  case Format::json:
    return "json";
  case Format::unknown:
    break;
  }
  return "null";
}

} // namespace feedpop::feeds
