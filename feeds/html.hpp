#pragma once
// A small, forgiving HTML tokenizer and the transformations built on it: entity decoding,
// sanitising, URL resolution inside markup, tag stripping. Pure functions; no DOM.
// Used by the feed parsers (FEED_JSON.md's sanitising rules) and by mail/ (text rendering).

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedpop::feeds::html {

struct Token {
  enum class Kind { text, start_tag, end_tag, comment, doctype };
  Kind kind = Kind::text;
  std::string name;                                       // tag name, lower case
  std::vector<std::pair<std::string, std::string>> attrs; // names lower case, values decoded
  std::string text;                                       // text: entities decoded
  bool self_closing = false;
};

// Calls on_token for each token in document order; never fails (garbage is text).
void tokenize(std::string_view html, const std::function<void(const Token&)>& on_token);

// Decodes HTML entities (named, including those undefined in XML like &nbsp; &eacute;,
// decimal and hex); invalid references stay as written. Output is UTF-8.
std::string decode_entities(std::string_view text);

// Escapes & < > " for use as HTML text or attribute values.
std::string escape(std::string_view text);
// escape(text) appended to out (no temporary string: the sanitiser's hot path).
void escape_into(std::string& out, std::string_view text);

// Removes script/style/iframe/object/embed/form elements (embedded video becomes a link to
// it: feeds/html_embeds.hpp), event-handler attributes,
// tracking pixels, style attributes that could fetch (url(), image-set(), CSS escapes),
// and URL attributes whose scheme after resolution against base_url is not http, https or
// mailto (cid: and data:image/ allowed in img src); writes href/src resolved. Output is
// well-formed enough for any mail client.
std::string sanitize(std::string_view html, std::string_view base_url);

// True for the elements sanitize() keeps (lower-case names).
bool is_safe_element(std::string_view name);

// Markup reduced to text (script/style content dropped), entities decoded, whitespace
// collapsed: for titles with type="html".
std::string to_text(std::string_view html);

} // namespace feedpop::feeds::html
