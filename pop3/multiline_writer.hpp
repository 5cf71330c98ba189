#pragma once
// The one writer of every multi-line reply (RFC 1939 §3, STYLE.md §2): it dot-stuffs each
// line that starts with '.', and finish() ends the reply with CRLF "." CRLF. Message bytes
// pass through unchanged otherwise, so RETR sends exactly the octets LIST announced (plus
// the stuffing). For TOP (RFC 1939 §7) it stops after the header block, the blank line and
// `body_lines` body lines; TOP n 99999999 therefore yields the whole message byte for byte.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedpop::pop3 {

class MultilineWriter {
public:
  MultilineWriter() = default;
  explicit MultilineWriter(std::uint64_t body_lines) : body_limit_(body_lines) {}

  // Appends `data` to `out`, stuffed. Returns false once a TOP limit is reached (the rest
  // of `data` and anything after it is not wanted).
  bool write(std::string_view data, std::string& out);
  // One line of a listing (CAPA, LIST, UIDL); `line` has no line end.
  void write_line(std::string_view line, std::string& out);
  // Terminates the reply; adds a CRLF first when the data did not end with a line end.
  void finish(std::string& out);
  bool done() const { return limit_reached_; }

private:
  std::optional<std::uint64_t> body_limit_;
  bool at_line_start_ = true;
  bool line_empty_ = true; // the current line holds nothing but (maybe) CR so far
  bool in_body_ = false;
  std::uint64_t body_lines_ = 0;
  bool limit_reached_ = false;
};

} // namespace feedpop::pop3
