#pragma once
// Line framing for POP3 commands (STYLE.md §2), without any I/O: bytes go in with feed(),
// complete lines come out of next(). Handles commands split over many reads, several
// pipelined commands in one read (RFC 2449 §6.6), and bare LF line ends (tolerated, as
// Dovecot does). A line longer than the current limit is reported once as TooLong and its
// remaining bytes, up to the next LF, are discarded.
//
// Limits: RFC 2449 §4 raises the command line limit to 255 octets including CRLF; SASL
// continuation lines (RFC 5034 §4) carry base64 and get their own, larger limit, which
// the caller selects with set_limit() before asking for the next line.

#include <cstddef>
#include <string>
#include <string_view>

namespace feedpop::pop3 {

inline constexpr std::size_t command_line_limit = 255;   // octets including CRLF
inline constexpr std::size_t sasl_line_limit = 8 * 1024; // base64 SASL responses

class LineReader {
public:
  enum class Status { NeedMore, Line, TooLong };
  struct Result {
    Status status;
    std::string_view line; // without CR/LF; valid until the next feed() or next()
  };

  explicit LineReader(std::size_t limit = command_line_limit) : limit_(limit) {}

  void set_limit(std::size_t limit) { limit_ = limit; }
  std::size_t limit() const { return limit_; }

  void feed(std::string_view bytes);
  Result next();

  // Octets received but not yet returned as a line.
  std::size_t buffered() const { return buffer_.size() - start_; }
  // Drops everything buffered. RFC 2595 §4 / RFC 8314: bytes a client pipelined after STLS
  // were sent in plaintext and must never be executed inside the TLS session.
  void discard_buffered();
  // Releases memory held for lines already consumed (idle connections stay small).
  void shrink();

private:
  std::string buffer_;
  std::size_t start_ = 0;   // first octet not yet returned
  std::size_t scanned_ = 0; // octets after start_ known to hold no LF
  bool discarding_ = false; // skipping the rest of an over-long line
  std::size_t limit_;
};

} // namespace feedpop::pop3
