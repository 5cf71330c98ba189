// Replays tests/smtp/transcripts/*.txt against smtp::Session (STYLE.md §7): each file whole
// (one client line per read), split into two reads at every byte offset, with all client
// lines pipelined in one read (RFC 2920), and, for transcripts without DATA, pipelined with
// bare LF line ends. Format: "C: " client line, "S: " exact server line, "S* " server line
// prefix, "M: " a line of the accepted messages' content (all messages, in order),
// "! key=value" options, "#" comments.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "auth/sasl.hpp"
#include "common/ascii.hpp"
#include "smtp/session.hpp"
#include "tests/smtp/test_credentials.hpp"

namespace feedpop::smtp {
namespace {

namespace fs = std::filesystem;

struct Expected {
  bool prefix;
  std::string text;
};

struct Transcript {
  std::map<std::string, std::string> options;
  std::vector<std::string> client;
  std::vector<Expected> server;
  std::string content; // "M:" lines, CRLF-terminated
};

Transcript load(const fs::path& path) {
  Transcript t;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const std::string body = line.size() > 3 ? line.substr(3) : "";
    if (line.rfind("C: ", 0) == 0 || line == "C:") {
      t.client.push_back(body);
    } else if (line.rfind("S: ", 0) == 0 || line == "S:") {
      t.server.push_back({false, body});
    } else if (line.rfind("S* ", 0) == 0) {
      t.server.push_back({true, body});
    } else if (line.rfind("M: ", 0) == 0 || line == "M:") {
      t.content += body + "\r\n";
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
       fs::directory_iterator(fs::path(FEEDPOP_SOURCE_DIR) / "tests/smtp/transcripts")) {
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

std::size_t number(const Transcript& t, const std::string& key, std::size_t fallback) {
  const auto it = t.options.find(key);
  return it == t.options.end() ? fallback : std::stoul(it->second);
}

SessionOptions options_for(const Transcript& t) {
  SessionOptions o;
  o.hostname = "test.example";
  o.loopback = !t.options.count("loopback") || flag(t, "loopback");
  o.tls_available = flag(t, "tls_available");
  o.tls_active = flag(t, "tls_active");
  const auto mode = t.options.count("plaintext_auth") ? t.options.at("plaintext_auth") : "local";
  o.plaintext_auth = mode == "never"    ? PlaintextAuth::never
                     : mode == "always" ? PlaintextAuth::always
                                        : PlaintextAuth::local;
  o.max_message_size = number(t, "max_size", o.max_message_size);
  o.max_line_length = number(t, "max_line", o.max_line_length);
  o.max_recipients = number(t, "max_recipients", o.max_recipients);
  o.max_bad_commands = number(t, "max_bad", o.max_bad_commands);
  return o;
}

struct Run {
  std::string out;
  std::string content; // every accepted message's content, in order
};

Run run(const Transcript& t, const std::vector<std::string>& chunks) {
  Run r;
  auto credentials = std::make_shared<testing::TestCredentials>();
  credentials->plaintext_ = !flag(t, "no_plaintext_secrets");
  credentials->fail_lookup_ = flag(t, "fail_lookup");
  const std::string handler_reply = t.options.count("handler") ? t.options.at("handler") : "";
  const bool handler_throws = flag(t, "handler_throws");
  MessageHandler handler = [&](Submission&& s) -> std::string {
    if (handler_throws) {
      throw std::runtime_error("storage failed");
    }
    r.content += s.content;
    if (!handler_reply.empty()) {
      return handler_reply;
    }
    std::string rcpts;
    for (const auto& a : s.recipients) {
      rcpts += (rcpts.empty() ? "" : ",") + a;
    }
    return "250 2.0.0 Accepted " + std::to_string(s.content.size()) + " octets from " + s.user +
           " <" + s.mail_from + "> for " + rcpts + (s.smtputf8 ? " (SMTPUTF8)" : "");
  };
  Session session(options_for(t), credentials,
                  std::make_shared<const auth::SaslRegistry>(auth::SaslRegistry::with_defaults()),
                  handler);
  auto drain = [&] {
    while (session.has_output()) {
      r.out.append(session.next_output());
    }
  };
  session.start();
  drain();
  for (const auto& chunk : chunks) {
    Action a = session.feed(chunk);
    for (;;) {
      drain();
      if (a == Action::Close) {
        return r;
      }
      if (a == Action::StartTls) {
        session.on_tls_started(); // the session dropped the rest of this read
        break;
      }
      if (!session.paused()) {
        break;
      }
      session.take_auth_attempt();
      a = session.feed({});
    }
  }
  return r;
}

void check(const Transcript& t, const Run& r, const std::string& mode) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    const auto end = r.out.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos) << mode << ": output not CRLF-terminated: " << r.out;
    lines.push_back(r.out.substr(pos, end - pos));
    pos = end + 2;
  }
  ASSERT_EQ(lines.size(), t.server.size()) << mode << ": got\n" << r.out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (t.server[i].prefix) {
      EXPECT_EQ(lines[i].substr(0, t.server[i].text.size()), t.server[i].text)
          << mode << " line " << i + 1;
    } else {
      EXPECT_EQ(lines[i], t.server[i].text) << mode << " line " << i + 1;
    }
  }
  EXPECT_EQ(r.content, t.content) << mode << ": accepted content differs";
}

std::string joined(const Transcript& t, std::string_view eol) {
  std::string all;
  for (const auto& c : t.client) {
    all += c;
    all += eol;
  }
  return all;
}

class TranscriptTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(TranscriptTest, ReplaysOneLinePerRead) {
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
    GTEST_SKIP() << "STARTTLS discards pipelined input by design";
  }
  const std::string all = joined(t, "\r\n");
  for (std::size_t i = 1; i < all.size(); ++i) {
    check(t, run(t, {all.substr(0, i), all.substr(i)}), "split at " + std::to_string(i));
    if (HasFailure()) {
      return;
    }
  }
}

TEST_P(TranscriptTest, ReplaysPipelinedInOneRead) {
  const auto t = load(GetParam());
  if (flag(t, "no-pipeline")) {
    GTEST_SKIP() << "STARTTLS discards pipelined input by design";
  }
  check(t, run(t, {joined(t, "\r\n")}), "pipelined");
  const bool has_data = std::any_of(t.client.begin(), t.client.end(),
                                    [](const auto& c) { return ascii::iequals(c, "data"); });
  if (!has_data) {
    check(t, run(t, {joined(t, "\n")}), "pipelined with bare LF");
  }
}

INSTANTIATE_TEST_SUITE_P(Transcripts, TranscriptTest, ::testing::ValuesIn(transcript_files()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.stem().string();
                           for (char& c : n) {
                             if (!ascii::is_alnum(c)) {
                               c = '_';
                             }
                           }
                           return n;
                         });

} // namespace
} // namespace feedpop::smtp
