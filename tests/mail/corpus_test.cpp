// Every entry of every feed in ../shared/corpus/feeds/, rendered, must parse with Python's
// email package without defects, and Subject / From's display name must decode to exactly
// the normalised title / name (tests/mail/check_messages.py does the checking). A second
// pass renders them as `images: inline` does: every <img> of the entry's HTML carried in
// the message (multipart/related), the image bytes standing in for the served ones.

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
#include "ingest/inline_images.hpp"
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

// One small image of each type feedpop inlines (the leading bytes are what sniffing reads).
template <std::size_t N> std::string bytes_of(const char (&literal)[N]) {
  return std::string(literal, N - 1); // without the literal's terminating NUL
}

const std::vector<std::string>& sample_images() {
  static const std::vector<std::string> images = {
      bytes_of("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"),
      bytes_of("GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0!\xf9\x04"),
      bytes_of("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9"),
      bytes_of("RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0")};
  return images;
}

// What `images: inline` carries for an entry: each <img> of its HTML (at most 40, the
// default count limit) with stand-in bytes, content IDs in ingest's form.
std::vector<InlineImage> stand_in_images(const feeds::Entry& entry) {
  const auto& html = entry.content_html ? entry.content_html : entry.summary_html;
  std::vector<InlineImage> out;
  if (!html) {
    return out;
  }
  for (const auto& src : ingest::image_sources(*html)) {
    if (out.size() == 40) {
      break;
    }
    const std::string& bytes = sample_images()[out.size() % sample_images().size()];
    InlineImage image;
    image.url = src;
    image.content_id =
        fmt::format("img{}.{:016x}@feedpop.localhost", out.size(), std::hash<std::string>{}(src));
    image.type = ingest::sniff_image_type(bytes).value_or("");
    image.bytes = bytes;
    out.push_back(std::move(image));
  }
  return out;
}

struct CorpusRun {
  std::size_t rendered = 0;
  std::size_t with_images = 0;
  std::string checker_output;
};

// Renders every entry of the corpus into DIR/messages.bin (+ index.jsonl) and runs
// check_messages.py on them.
CorpusRun render_corpus(const fs::path& corpus, const fs::path& dir, bool images) {
  CorpusRun result;
  std::vector<fs::path> files;
  for (const auto& item : fs::recursive_directory_iterator(corpus)) {
    if (item.is_regular_file()) {
      files.push_back(item.path());
    }
  }
  std::sort(files.begin(), files.end());

  fs::create_directories(dir);
  std::ofstream index(dir / "index.jsonl", std::ios::binary | std::ios::trunc);
  std::ofstream messages(dir / "messages.bin", std::ios::binary | std::ios::trunc);
  std::size_t offset = 0;
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
      if (images) {
        options.html_sanitized = true; // as ingest renders parsed entries
        options.images = stand_in_images(entry);
        result.with_images += options.images.empty() ? 0 : 1;
      }
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
      ++result.rendered;
    }
  }
  index.close();
  messages.close();
  result.checker_output = run(
      fmt::format("python3 '{}/tests/mail/check_messages.py' '{}' '{}' 2>&1", FEEDPOP_SOURCE_DIR,
                  (dir / "index.jsonl").string(), (dir / "messages.bin").string()));
  return result;
}

// The corpus and python3, or the reason the test skips.
std::optional<std::string> missing_prerequisite(const fs::path& corpus) {
  if (!fs::is_directory(corpus)) {
    return "no shared corpus at " + corpus.string();
  }
  if (std::system("python3 -c 'import email.policy' >/dev/null 2>&1") != 0) {
    return "python3 is not available";
  }
  return std::nullopt;
}

void print_summary(const std::string& output) {
  std::cout << output.substr(0, output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n'))
            << '\n';
}

TEST(RenderCorpus, EveryEntryParsesWithPythonEmailWithoutDefects) {
  const fs::path corpus = fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
  if (const auto missing = missing_prerequisite(corpus)) {
    GTEST_SKIP() << *missing;
  }
  const auto corpus_run =
      render_corpus(corpus, fs::path(FEEDPOP_BINARY_DIR) / "tests" / "mail_corpus", false);
  ASSERT_GT(corpus_run.rendered, 1000u) << "the corpus should yield thousands of entries";
  EXPECT_TRUE(corpus_run.checker_output.ends_with("exit status 0")) << corpus_run.checker_output;
  print_summary(corpus_run.checker_output);
}

TEST(RenderCorpus, WithImagesInlineEveryEntryParsesWithoutDefects) {
  const fs::path corpus = fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
  if (const auto missing = missing_prerequisite(corpus)) {
    GTEST_SKIP() << *missing;
  }
  const auto corpus_run =
      render_corpus(corpus, fs::path(FEEDPOP_BINARY_DIR) / "tests" / "mail_corpus_images", true);
  ASSERT_GT(corpus_run.rendered, 1000u) << "the corpus should yield thousands of entries";
  EXPECT_GT(corpus_run.with_images, 200u) << "the corpus has hundreds of entries with pictures";
  EXPECT_TRUE(corpus_run.checker_output.ends_with("exit status 0")) << corpus_run.checker_output;
  print_summary(corpus_run.checker_output);
}

} // namespace
} // namespace feedpop::mail
