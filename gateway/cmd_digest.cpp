// `feedpop digest --now [--user NAME]`: builds every pending digest immediately, the
// period ending now (for tests, and for people who prefer cron to `serve`'s schedule).
// One line per digest on stdout. Exit status 0, 1 for an unknown user or a bad config.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/digests.hpp"
#include "gateway/store_open.hpp"
#include "ingest/digest.hpp"
#include "mail/digest.hpp"

namespace feedpop::gateway {

namespace {

// The digests that reach `user`'s full mailbox; all of them for an empty name. Users'
// digests cover the feeds they added by mail (`user_feeds`, every owner's).
std::vector<ingest::DigestConfig> digests_for(const Config& config, const std::string& user,
                                              const std::vector<storage::UserFeed>& user_feeds) {
  auto all = digest_configs(config, user_feeds);
  if (user.empty()) {
    return all;
  }
  const auto keys = mailbox_keys(config, user, user_feeds);
  std::erase_if(all, [&](const ingest::DigestConfig& d) {
    return std::find(keys.begin(), keys.end(), d.key) == keys.end();
  });
  return all;
}

int run_digest_now(const GlobalOptions& global, const std::string& user) {
  const Config config = load_config(global.config);
  if (!user.empty() && config.users.count(user) == 0) {
    std::cerr << fmt::format("feedpop: digest: no user '{}' in {}\n", user, global.config);
    return exit_config;
  }
  if (digest_configs(config).empty()) {
    std::cout << "no digests configured\n";
    return exit_ok;
  }
  std::filesystem::create_directories(config.data_dir);
  auto store = open_store(config, storage::Role::writer);
  const auto digests = digests_for(config, user, store->user_feeds(""));
  if (digests.empty()) {
    std::cout << "no digests configured for " << user << '\n';
    return exit_ok;
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  for (const auto& digest : digests) {
    const auto r =
        ingest::build_digest(*store, digest, now, config.hostname, mail::default_digest_part_size);
    if (r.messages == 0) {
      std::cout << fmt::format("{}: nothing pending\n", digest.key);
    } else {
      std::cout << fmt::format("{}: {} entries in {} message{}\n", digest.key, r.entries,
                               r.messages, r.messages == 1 ? "" : "s");
    }
  }
  return exit_ok;
}

} // namespace

void add_digest_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand("digest", "Build pending digests now (serve builds them on "
                                           "their schedule)");
  auto now = std::make_shared<bool>(false);
  auto user = std::make_shared<std::string>();
  cmd->add_flag("--now", *now, "Build every pending digest with the period ending now")->required();
  cmd->add_option("--user", *user, "Only the digests that reach this user's mailbox");
  cmd->callback([&global, &status, now, user] { // both owned here: CLI11 writes them
    try {
      status = run_digest_now(global, *user);
    } catch (const ConfigError& e) {
      std::cerr << e.what() << '\n';
      status = exit_config;
    } catch (const std::exception& e) {
      std::cerr << "feedpop: digest: " << e.what() << '\n';
      status = exit_runtime;
    }
  });
}

} // namespace feedpop::gateway
