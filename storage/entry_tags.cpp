#include "storage/entry_tags.hpp"

#include <algorithm>

#include "common/ascii.hpp"

namespace feedpop::storage {

std::string read_header(const ReadAt& read) {
  std::string out;
  char buffer[4096];
  while (out.size() < max_header_bytes) {
    const std::size_t n = read(out.size(), buffer, sizeof buffer);
    // The empty line may straddle two reads: search from just before the new bytes.
    const std::size_t searched_from = out.size() < 3 ? 0 : out.size() - 3;
    out.append(buffer, n);
    if (const auto end = out.find("\r\n\r\n", searched_from); end != std::string::npos) {
      out.resize(end + 2);
      break;
    }
    if (n < sizeof buffer) {
      break; // the end of the message: no body
    }
  }
  return out;
}

std::vector<std::string> header_keywords(std::string_view message) {
  std::vector<std::string> out;
  const std::size_t header_end = std::min(message.find("\r\n\r\n"), message.size());
  const std::string_view header = message.substr(0, header_end);
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find("\r\n", pos);
    // A field runs on over folded lines (RFC 5322 §2.2.3: those starting with white space).
    while (end != std::string_view::npos && end + 2 < header.size() &&
           (header[end + 2] == ' ' || header[end + 2] == '\t')) {
      end = header.find("\r\n", end + 2);
    }
    if (end == std::string_view::npos) {
      end = header.size();
    }
    const std::string_view field = header.substr(pos, end - pos);
    pos = end + 2;
    if (field.size() < 9 || !ascii::iequals(field.substr(0, 9), "keywords:")) {
      continue;
    }
    std::string_view rest = field.substr(9);
    while (!rest.empty()) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      std::string word;
      for (const char c : rest.substr(0, comma)) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          word += c;
        }
      }
      if (!word.empty() && std::find(out.begin(), out.end(), word) == out.end()) {
        out.push_back(std::move(word));
      }
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
  }
  return out;
}

} // namespace feedpop::storage
