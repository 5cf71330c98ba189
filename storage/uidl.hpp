#pragma once
// UIDL derivation (RFC 1939 §7: 1–70 characters in 0x21–0x7E, unique in the maildrop and
// stable across sessions). A UIDL is a function of (feed key, entry identity) only — not
// of the URL, the row id or the time — so restarts, re-fetches, URL changes, VACUUM and
// migrations cannot change it. It is stored with the entry at insert and never recomputed.

#include <string>
#include <string_view>

namespace feedpop::storage {

// 32 lowercase hex digits: the first 128 bits of SHA-256 over a versioned, NUL-separated
// encoding of the pair (NUL cannot occur in a feed key, so distinct pairs never encode alike).
std::string derive_uidl(std::string_view feed_key, std::string_view identity);

} // namespace feedpop::storage
