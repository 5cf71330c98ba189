#pragma once
// Line framing for SMTP, without any I/O: bytes go in with feed(), complete lines come out
// of next(). Handles commands split over many reads and several pipelined commands in one
// read (RFC 2920). A line longer than the current limit is reported once as TooLong and
// its remaining bytes, up to the next LF, are discarded, so a 10 MB line costs at most
// `limit` octets of memory.
//
// Every line reports whether it ended in CRLF or in a bare LF: command lines tolerate a
// bare LF (as Postfix and Dovecot do), message content does not (RFC 5321 §2.3.8; the
// session rejects such a message instead of guessing where it ends).
//
// Limits count the line end (CRLF), as RFC 5321 §4.5.3.1 does.

#include <cstddef>
#include <string>
#include <string_view>

namespace feedpop::smtp {

class LineReader {
public:
  enum class Status { NeedMore, Line, TooLong };
  struct Result {
    Status status;
    std::string_view line; // without CR/LF; valid until the next feed() or next()
    bool bare_lf = false;  // the line ended in LF without CR
  };

  explicit LineReader(std::size_t limit) : limit_(limit) {}

  void set_limit(std::size_t limit) { limit_ = limit; }
  std::size_t limit() const { return limit_; }

  void feed(std::string_view bytes);
  Result next();

  // Octets received but not yet returned as a line.
  std::size_t buffered() const { return buffer_.size() - start_; }
  // Drops everything buffered. RFC 3207 §4.2 / RFC 8314: bytes a client pipelined after
  // STARTTLS were sent in plaintext and must never be executed inside the TLS session.
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

} // namespace feedpop::smtp
