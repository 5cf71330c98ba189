#pragma once
// Header fields as RFC 5322 §2.2 lines: text normalised for display, RFC 2047 encoded-words
// for whatever is not plain printable ASCII, folded at 78 columns (§2.1.1) without ever
// splitting a UTF-8 character or an encoded-word. Every function returns complete lines
// ending in CRLF. Pure functions; nothing throws except std::bad_alloc.

#include <chrono>
#include <string>
#include <string_view>

namespace feedpop::mail {

// Text as a header shows it: invalid UTF-8 becomes U+FFFD, runs of white space and
// control characters (C0, DEL, C1) become one space, both ends are trimmed.
std::string normalize_text(std::string_view text);

// Shortens a normalised display name so that no run of words needing an encoded-word is
// longer than one encoded-word can hold (RFC 2047 §2: 75 characters). Adjacent
// encoded-words in a phrase decode differently across clients (RFC 2047 §6.2 drops the
// space between them, Python's email package keeps it), so a phrase never has two.
// A shortened run ends in "…".
std::string fit_display_name(std::string_view normalized);

// "Name: text" for an unstructured field (Subject, X-Entry-ID): plain words stay as they
// are; runs of words with non-ASCII, "=?", or longer than a line are encoded-words
// (RFC 2047 §5(1)), B or Q, whichever is shorter.
std::string unstructured_field(std::string_view name, std::string_view text);

// "Name: display name <address>" (RFC 5322 §3.4). The display name must come from
// fit_display_name(); it is written as atoms, quoted-strings and encoded-words (§5(3)).
// An empty display name gives a bare address.
std::string address_field(std::string_view name, std::string_view display_name,
                          std::string_view address);

// "Name: value" for a value that is already a valid structured field body (message-id,
// "<uri>"): written as it is, never folded.
std::string raw_field(std::string_view name, std::string_view value);

// RFC 5322 §3.3 date-time in UTC: "Fri, 27 Nov 2026 16:05:37 +0000".
std::string rfc5322_date(std::chrono::sys_seconds time);

// Percent-encodes what may not appear in a URI inside angle brackets (RFC 3986 §2,
// RFC 5064): non-ASCII bytes, controls, space, '"', '<', '>', '\\', '^', '`', '{', '|', '}'.
std::string uri_for_header(std::string_view url);

// RFC 5322 §3.2.3 atext, minus the characters that confuse people in addresses: a feed
// key becomes a local part, a Message-ID part and a List-Id label ("feed" when empty).
std::string atom_of(std::string_view key);

// A dot-atom domain (RFC 5322 §3.4.1); anything else falls back to feedpop.localhost.
std::string domain_of(std::string_view hostname);

} // namespace feedpop::mail
