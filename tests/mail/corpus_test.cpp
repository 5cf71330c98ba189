// Every entry of every feed in ../shared/corpus/feeds/, rendered, must parse with Python's
// email package without defects, and Subject / From's display name must decode to exactly
// the normalised title / name (tests/mail/check_messages.py does the checking).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"
#include "mail/render.hpp"

namespace feedpop::mail {
namespace {

namespace fs = std::filesystem;

std::string hex(const std::optional<std::string>& text) {
  std::string out;
  for (const char c : text.value_or("")) {
    out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

// JSON string for text that is valid UTF-8 (what mail/ produces); control characters and
// quotes escaped.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return "popen failed";
  }
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  return fmt::format("{}exit status {}", output, status);
}

TEST(RenderCorpus, EveryEntryParsesWithPythonEmailWithoutDefects) {
  const fs::path corpus = fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
  if (!fs::is_directory(corpus)) {
    GTEST_SKIP() << "no shared corpus at " << corpus;
  }
  if (std::system("python3 -c 'import email.policy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 is not available";
  }
  std::vector<fs::path> files;
  for (const auto& item : fs::recursive_directory_iterator(corpus)) {
    if (item.is_regular_file()) {
      files.push_back(item.path());
    }
  }
  std::sort(files.begin(), files.end());

  const fs::path dir = fs::path(FEEDPOP_BINARY_DIR) / "tests" / "mail_corpus";
  fs::create_directories(dir);
  std::ofstream index(dir / "index.jsonl", std::ios::binary | std::ios::trunc);
  std::ofstream messages(dir / "messages.bin", std::ios::binary | std::ios::trunc);
  std::size_t offset = 0;
  std::size_t rendered = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string url = "file://" + files[f].string();
    const auto parsed = feeds::parse(read_file(files[f]), {url, ""});
    const auto* feed = std::get_if<feeds::Feed>(&parsed);
    if (feed == nullptr) {
      continue;
    }
    const auto identities = feeds::entry_identities(*feed);
    const FeedInfo info{fmt::format("corpus{}", f), feed->title, url, feed->link};
    std::set<std::string> seen;
    for (std::size_t i = 0; i < feed->entries.size(); ++i) {
      if (!seen.insert(identities[i]).second) {
        continue; // duplicates within a document are dropped at ingest
      }
      const feeds::Entry& entry = feed->entries[i];
      RenderOptions options;
      options.identity = identities[i];
      options.first_seen = std::chrono::sys_seconds{std::chrono::seconds{1'700'000'000}};
      const std::string message = render(entry, info, options);
      messages.write(message.data(), static_cast<std::streamsize>(message.size()));
      index << fmt::format("{{\"source\":{},\"offset\":{},\"length\":{},\"key\":{},\"subject\":{},"
                           "\"display_name\":{},\"title_hex\":\"{}\",\"author_hex\":\"{}\","
                           "\"feed_title_hex\":\"{}\"}}\n",
                           json_string(fmt::format("{}#{}", files[f].filename().string(), i)),
                           offset, message.size(), json_string(info.key),
                           json_string(subject_text(entry)),
                           json_string(from_display_name(entry, info)), hex(entry.title),
                           hex(entry.author ? entry.author : entry.feed_author), hex(feed->title));
      offset += message.size();
      ++rendered;
    }
  }
  index.close();
  messages.close();
  ASSERT_GT(rendered, 1000u) << "the corpus should yield thousands of entries";
  const std::string output = run(
      fmt::format("python3 '{}/tests/mail/check_messages.py' '{}' '{}' 2>&1", FEEDPOP_SOURCE_DIR,
                  (dir / "index.jsonl").string(), (dir / "messages.bin").string()));
  EXPECT_TRUE(output.ends_with("exit status 0")) << output;
  std::cout << output.substr(0, output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n'))
            << '\n';
}

} // namespace
} // namespace feedpop::mail
