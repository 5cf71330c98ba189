// feeds.yaml's `users:` section: credentials, subscriptions, and whether the user may add
// feeds of their own (by mail).

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

namespace {

// What a user's feeds list may name, for "did you mean".
std::vector<std::string> feed_and_tag_names(const Config& config) {
  std::vector<std::string> names;
  for (const auto& [key, feed] : config.feeds) {
    names.push_back(key);
    names.insert(names.end(), feed.tags.begin(), feed.tags.end());
  }
  names.push_back("all");
  return names;
}

} // namespace

void Loader::index_feeds(const Config& config) {
  if (feeds_indexed_) {
    return;
  }
  feed_keys_.reserve(config.feeds.size());
  feed_ordinals_.reserve(config.feeds.size());
  for (const auto& [key, feed] : config.feeds) {
    const auto ordinal = static_cast<std::uint32_t>(feed_keys_.size());
    feed_keys_.push_back(&key);
    feed_ordinals_.emplace(key, ordinal);
    for (const auto& t : feed.tags) {
      auto& ordinals = tag_index_[t];
      if (ordinals.empty() || ordinals.back() != ordinal) {
        ordinals.push_back(ordinal);
      }
    }
  }
  listed_.assign(feed_keys_.size(), 0);
  feeds_indexed_ = true;
}

// A user's `feeds:` list: feed keys and tags (a feed key wins over a tag of the same name),
// expanded to feed keys in the order written, each once.
std::vector<std::string> Loader::subscribed(const Field& field, const Config& config) {
  index_feeds(config);
  ++list_stamp_; // listed_[feed] == list_stamp_: already in this list
  std::vector<std::uint32_t> chosen;
  const auto add = [&](std::uint32_t ordinal) {
    if (listed_[ordinal] != list_stamp_) {
      listed_[ordinal] = list_stamp_;
      chosen.push_back(ordinal);
    }
  };
  for (const auto& item : list(field, "feed keys or tags")) {
    const std::string_view wanted = item.scalar();
    if (const auto key = feed_ordinals_.find(wanted); key != feed_ordinals_.end()) {
      add(key->second);
    } else if (const auto tag = tag_index_.find(wanted); tag != tag_index_.end()) {
      std::for_each(tag->second.begin(), tag->second.end(), add);
    } else {
      fail(item.mark(), field.path + ": unknown feed or tag '" + std::string(wanted) + "'" +
                            did_you_mean(std::string(wanted), feed_and_tag_names(config)));
    }
  }
  std::vector<std::string> keys;
  keys.reserve(chosen.size());
  for (const std::uint32_t ordinal : chosen) {
    keys.push_back(*feed_keys_[ordinal]);
  }
  return keys;
}

UserConfig Loader::load_user(const Field& entry, const Config& config) {
  UserConfig user;
  user.name = entry.name;
  user.line = entry.key.mark().line + 1;
  const std::string& separator = config.pop3.view_separator;
  if (!is_mail_safe_name(user.name, true) || user.name.find(separator) != std::string::npos) {
    fail(entry.key.mark(), "user name '" + user.name +
                               "' is not usable as a POP3 login; use letters, digits, '.', "
                               "'_', '-' and '@' (the view separator '" +
                               separator + "' separates mailbox views)");
  }
  const Field* credential = nullptr;
  for (const auto& f : fields(entry, "users.*")) {
    if (f.name == "admin") {
      user.admin = boolean(f);
      continue;
    }
    if (f.name == "feeds") {
      if (f.value.is_scalar() && f.value.scalar() == "all") {
        user.all_feeds = true;
        continue;
      }
      user.all_feeds = false;
      user.feeds = subscribed(f, config);
      continue;
    }
    if (f.name == "may_subscribe") {
      user.may_subscribe = boolean(f);
      continue;
    }
    if (f.name == "max_feeds") {
      user.max_feeds = count(f, 0, 100'000);
      continue;
    }
    if (f.name == "digest") {
      user.digest = digest(f);
      continue;
    }
    if (credential != nullptr) {
      fail(f.key.mark(), f.path + ": give only one of password, password_env and scram ('" +
                             credential->name + "' is already set)");
    }
    credential = &f;
    if (f.name == "password") {
      user.password = text(f);
    } else if (f.name == "password_env") {
      const std::string variable = text(f, "an environment variable name");
      const char* value = std::getenv(variable.c_str());
      if (value == nullptr) {
        fail(f, "environment variable '" + variable + "' is not set");
      }
      if (*value == '\0') {
        fail(f, "environment variable '" + variable + "' is empty");
      }
      user.password = value;
    } else if (f.name == "scram") {
      user.scram = text(f, "a SCRAM-SHA-256 verifier");
      if (auto error = scram_format_error(*user.scram)) {
        fail(f, "bad scram verifier: " + *error);
      }
    }
  }
  if (credential == nullptr) {
    fail(entry.key.mark(),
         "user '" + user.name + "' has no credential; expected password, password_env or scram");
  }
  return user;
}

} // namespace feedpop::gateway::config_detail
