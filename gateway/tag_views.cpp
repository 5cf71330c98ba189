#include "gateway/tag_views.hpp"

#include <algorithm>

#include "common/ascii.hpp"

namespace feedpop::gateway {

namespace {

// Headers longer than this are not searched further; feedpop's own are far shorter.
constexpr std::size_t max_header_bytes = 64 * 1024;

std::string read_header(storage::Store& store, storage::EntryId id) {
  std::string out;
  char buffer[4096];
  while (out.size() < max_header_bytes) {
    const std::size_t n = store.read_at(id, out.size(), buffer, sizeof buffer);
    const std::size_t searched_from = out.size() < 3 ? 0 : out.size() - 3;
    out.append(buffer, n);
    const auto end = out.find("\r\n\r\n", searched_from);
    if (end != std::string::npos) {
      out.resize(end + 2);
      break;
    }
    if (n < sizeof buffer) {
      break;
    }
  }
  return out;
}

} // namespace

std::vector<std::string> message_keywords(std::string_view message) {
  std::vector<std::string> out;
  const std::size_t header_end = std::min(message.find("\r\n\r\n"), message.size());
  const std::string_view header = message.substr(0, header_end);
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find("\r\n", pos);
    // A field runs on over folded lines (those starting with white space).
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
      if (!word.empty()) {
        out.push_back(std::move(word));
      }
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
  }
  return out;
}

std::vector<storage::MailboxItem> select_tagged(storage::Store& store,
                                                std::vector<storage::MailboxItem> items,
                                                const std::vector<std::string>& tagged_feeds,
                                                const std::string& tag) {
  std::vector<storage::MailboxItem> out;
  out.reserve(items.size());
  for (auto& item : items) {
    const bool candidate =
        std::find(tagged_feeds.begin(), tagged_feeds.end(), item.feed_key) != tagged_feeds.end();
    if (candidate) {
      const auto keywords = message_keywords(read_header(store, item.id));
      if (std::find(keywords.begin(), keywords.end(), tag) == keywords.end()) {
        continue;
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

} // namespace feedpop::gateway
