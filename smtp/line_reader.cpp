#include "smtp/line_reader.hpp"

namespace feedpop::smtp {

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
    const std::size_t lf = buffer_.find('\n', start_ + scanned_);
    if (lf == std::string::npos) {
      scanned_ = buffer_.size() - start_;
      if (discarding_) {
        // Keep nothing of an over-long line; wait for its LF.
        discard_buffered();
        discarding_ = true;
        return {Status::NeedMore, {}};
      }
      // The line cannot fit any more: even a CRLF right now would exceed the limit.
      if (scanned_ + 1 > limit_) {
        discard_buffered();
        discarding_ = true;
        return {Status::TooLong, {}};
      }
      return {Status::NeedMore, {}};
    }
    const std::size_t line_start = start_;
    start_ = lf + 1;
    scanned_ = 0;
    if (discarding_) {
      discarding_ = false;
      continue; // the tail of a line already reported as TooLong
    }
    std::size_t end = lf;
    const bool bare_lf = end == line_start || buffer_[end - 1] != '\r';
    if (!bare_lf) {
      --end;
    }
    // A bare-LF line gets the same allowance as a CRLF one.
    if ((end - line_start) + 2 > limit_) {
      return {Status::TooLong, {}};
    }
    return {Status::Line, std::string_view(buffer_).substr(line_start, end - line_start), bare_lf};
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

} // namespace feedpop::smtp
