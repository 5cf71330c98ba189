#include "pop3/multiline_writer.hpp"

#include <cstring>

namespace feedpop::pop3 {

bool MultilineWriter::write(std::string_view data, std::string& out) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (limit_reached_) {
      return false;
    }
    if (at_line_start_ && body_limit_ && in_body_ && body_lines_ >= *body_limit_) {
      limit_reached_ = true;
      return false;
    }
    if (at_line_start_ && data[pos] == '.') {
      out += '.'; // RFC 1939 §3: byte-stuff a leading termination octet
    }
    const void* lf = std::memchr(data.data() + pos, '\n', data.size() - pos);
    const std::size_t end =
        lf == nullptr ? data.size()
                      : static_cast<std::size_t>(static_cast<const char*>(lf) - data.data()) + 1;
    const std::string_view segment = data.substr(pos, end - pos);
    out.append(segment);
    if (lf == nullptr) {
      at_line_start_ = false;
      if (line_empty_ && !(segment.size() == 1 && segment[0] == '\r')) {
        line_empty_ = false;
      }
    } else {
      // The line just completed: empty (LF or CRLF alone) ends the header block.
      const bool empty = line_empty_ && (segment == "\n" || segment == "\r\n");
      if (!in_body_ && empty) {
        in_body_ = true;
      } else if (in_body_) {
        ++body_lines_;
      }
      at_line_start_ = true;
      line_empty_ = true;
    }
    pos = end;
  }
  if (body_limit_ && in_body_ && at_line_start_ && body_lines_ >= *body_limit_) {
    limit_reached_ = true;
    return false;
  }
  return true;
}

void MultilineWriter::write_line(std::string_view line, std::string& out) {
  if (!line.empty() && line.front() == '.') {
    out += '.';
  }
  out.append(line);
  out += "\r\n";
}

void MultilineWriter::finish(std::string& out) {
  if (!at_line_start_) {
    out += "\r\n";
  }
  out += ".\r\n";
}

} // namespace feedpop::pop3
