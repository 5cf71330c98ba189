#include "pop3/line_reader.hpp"

namespace feedpop::pop3 {

void LineReader::feed(std::string_view bytes) {
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
    scanned_ = 0;
  } else if (start_ > 4096 && start_ > buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

LineReader::Result LineReader::next() {
  for (;;) {
    const std::size_t from = start_ + scanned_;
    const std::size_t lf = buffer_.find('\n', from);
    if (lf == std::string::npos) {
      scanned_ = buffer_.size() - start_;
      if (discarding_) {
        // Keep nothing of an over-long line; wait for its LF.
        buffer_.clear();
        start_ = 0;
        scanned_ = 0;
        return {Status::NeedMore, {}};
      }
      if (scanned_ > limit_) {
        discarding_ = true;
        buffer_.clear();
        start_ = 0;
        scanned_ = 0;
        return {Status::TooLong, {}};
      }
      return {Status::NeedMore, {}};
    }
    std::size_t end = lf;
    const std::size_t total = lf + 1 - start_; // octets including the line end
    const std::size_t line_start = start_;
    start_ = lf + 1;
    scanned_ = 0;
    if (discarding_) {
      discarding_ = false;
      continue; // the tail of a line already reported as TooLong
    }
    if (end > line_start && buffer_[end - 1] == '\r') {
      --end;
    }
    // RFC 2449 §4 counts the CRLF; a bare LF line gets the same allowance.
    const std::size_t counted = (end - line_start) + 2;
    if (counted > limit_ && total > 0) {
      return {Status::TooLong, {}};
    }
    return {Status::Line, std::string_view(buffer_).substr(line_start, end - line_start)};
  }
}

void LineReader::discard_buffered() {
  buffer_.clear();
  start_ = 0;
  scanned_ = 0;
  discarding_ = false;
}

void LineReader::shrink() {
  if (start_ == buffer_.size()) {
    std::string().swap(buffer_);
    start_ = 0;
    scanned_ = 0;
  }
}

} // namespace feedpop::pop3
