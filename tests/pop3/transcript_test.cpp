// Replays tests/pop3/transcripts/*.txt against pop3::Session (STYLE.md §7): each file whole
// (one command per read), split into two reads at every byte offset, and with all client
// lines pipelined in one read. Format: "C: " client line, "S: " exact server line,
// "S* " server line prefix, "! key=value" options, "#" comments.
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "pop3/session.hpp"
#include "tests/pop3/memory_maildrop.hpp"

namespace feedpop::pop3 {
namespace {

namespace fs = std::filesystem;

struct Expected {
  bool prefix;
  std::string text;
};

struct Transcript {
  std::string name;
  std::map<std::string, std::string> options;
  std::vector<std::string> client;
  std::vector<Expected> server;
};

Transcript load(const fs::path& path) {
  Transcript t;
  t.name = path.stem().string();
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.rfind("C: ", 0) == 0 || line == "C:") {
      t.client.push_back(line.size() > 3 ? line.substr(3) : "");
    } else if (line.rfind("S: ", 0) == 0 || line == "S:") {
      t.server.push_back({false, line.size() > 3 ? line.substr(3) : ""});
    } else if (line.rfind("S* ", 0) == 0) {
      t.server.push_back({true, line.substr(3)});
    } else if (line.rfind("! ", 0) == 0) {
      const auto eq = line.find('=');
      t.options[line.substr(2, eq - 2)] = eq == std::string::npos ? "1" : line.substr(eq + 1);
    } else if (!line.empty() && line[0] != '#') {
      ADD_FAILURE() << path << ": unparsable line: " << line;
    }
  }
  return t;
}

std::vector<fs::path> transcript_files() {
  std::vector<fs::path> files;
  for (const auto& e :
       fs::directory_iterator(fs::path(FEEDPOP_SOURCE_DIR) / "tests/pop3/transcripts")) {
    if (e.path().extension() == ".txt") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool flag(const Transcript& t, const std::string& key) {
  const auto it = t.options.find(key);
  return it != t.options.end() && it->second != "0";
}

// Runs the session over `chunks` of client bytes; returns everything it wrote.
std::string run(const Transcript& t, const std::vector<std::string>& chunks) {
  auto store = testing::make_standard_store();
  store->fail_open = flag(t, "fail_open");
  store->fail_read = flag(t, "fail_read");
  store->fail_commit = flag(t, "fail_commit");
  store->fail_lookup = flag(t, "fail_lookup");
  if (t.options.count("expire") != 0) {
    store->expire = static_cast<unsigned>(std::stoul(t.options.at("expire")));
  }
  SessionOptions o;
  o.hostname = "test.example";
  o.loopback = !t.options.count("loopback") || flag(t, "loopback");
  o.tls_available = flag(t, "tls_available");
  o.tls_active = flag(t, "tls_active");
  if (t.options.count("plaintext_auth") != 0) {
    const auto& v = t.options.at("plaintext_auth");
    o.plaintext_auth = v == "never"    ? PlaintextAuth::never
                       : v == "always" ? PlaintextAuth::always
                                       : PlaintextAuth::local;
  }
  if (flag(t, "lock")) {
    o.locks = std::make_shared<SessionLocks>();
    if (t.options.count("locked_by_other") != 0) {
      static std::optional<SessionLocks::Guard> other;
      other = o.locks->try_lock(t.options.at("locked_by_other"));
    }
  }
  Session session(o, std::make_shared<testing::MemoryAuthenticator>(store),
                  std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults()));
  std::string out;
  auto drain = [&] {
    while (session.has_output()) {
      out.append(session.next_output(64));
    }
  };
  session.start();
  drain();
  for (const auto& chunk : chunks) {
    for (Action a = session.feed(chunk);; a = session.feed({})) {
      drain();
      if (a == Action::Close) {
        return out;
      }
      if (a == Action::StartTls) {
        session.on_tls_started(); // the session has discarded the input after STLS
        break;
      }
      if (session.wants_input()) {
        break;
      }
    }
  }
  return out;
}

void check(const Transcript& t, const std::string& out, const std::string& mode) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < out.size()) {
    const auto end = out.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos) << mode << ": output not CRLF-terminated: " << out;
    lines.push_back(out.substr(pos, end - pos));
    pos = end + 2;
  }
  ASSERT_EQ(lines.size(), t.server.size()) << mode << ": got\n" << out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (t.server[i].prefix) {
      EXPECT_EQ(lines[i].substr(0, t.server[i].text.size()), t.server[i].text)
          << mode << " line " << i + 1;
    } else {
      EXPECT_EQ(lines[i], t.server[i].text) << mode << " line " << i + 1;
    }
  }
}

class TranscriptTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(TranscriptTest, ReplaysOneCommandPerRead) {
  const auto t = load(GetParam());
  std::vector<std::string> chunks;
  for (const auto& c : t.client) {
    chunks.push_back(c + "\r\n");
  }
  check(t, run(t, chunks), "whole");
}

TEST_P(TranscriptTest, ReplaysSplitAtEveryByteOffset) {
  const auto t = load(GetParam());
  if (flag(t, "no-pipeline")) {
    GTEST_SKIP() << "STLS discards pipelined input by design";
  }
  std::string all;
  for (const auto& c : t.client) {
    all += c + "\r\n";
  }
  for (std::size_t i = 1; i < all.size(); ++i) {
    check(t, run(t, {all.substr(0, i), all.substr(i)}), "split at " + std::to_string(i));
    if (HasFailure()) {
      return;
    }
  }
}

TEST_P(TranscriptTest, ReplaysPipelinedWithBareLf) {
  const auto t = load(GetParam());
  if (flag(t, "no-pipeline")) {
    GTEST_SKIP() << "STLS discards pipelined input by design";
  }
  std::string all;
  for (const auto& c : t.client) {
    all += c + "\n"; // bare LF is tolerated like CRLF
  }
  check(t, run(t, {all}), "pipelined");
}

INSTANTIATE_TEST_SUITE_P(Transcripts, TranscriptTest, ::testing::ValuesIn(transcript_files()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.stem().string();
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) {
                               c = '_';
                             }
                           }
                           return n;
                         });

} // namespace
} // namespace feedpop::pop3
