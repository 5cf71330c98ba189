// feeds.yaml's `users:` section: credentials, subscriptions, and whether the user may add
// feeds of their own (by mail).

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <unordered_set>

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

const std::vector<const std::string*>* Loader::tagged(const Config& config,
                                                      const std::string& tag) {
  if (!tag_index_built_) {
    for (const auto& [key, feed] : config.feeds) {
      for (const auto& t : feed.tags) {
        auto& keys = tag_index_[t];
        if (keys.empty() || keys.back() != &key) {
          keys.push_back(&key);
        }
      }
    }
    tag_index_built_ = true;
  }
  auto it = tag_index_.find(tag);
  return it == tag_index_.end() ? nullptr : &it->second;
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
      std::unordered_set<std::string_view> listed;
      for (const auto& item : list(f, "feed keys or tags")) {
        const std::string wanted(item.scalar());
        const std::vector<const std::string*>* keys = nullptr;
        std::vector<const std::string*> one;
        if (auto it = config.feeds.find(wanted); it != config.feeds.end()) {
          one.push_back(&it->first);
          keys = &one;
        } else {
          keys = tagged(config, wanted);
        }
        if (keys == nullptr) {
          fail(item.mark(), f.path + ": unknown feed or tag '" + wanted + "'" +
                                did_you_mean(wanted, feed_and_tag_names(config)));
        }
        for (const std::string* key : *keys) {
          if (listed.insert(*key).second) {
            user.feeds.push_back(*key);
          }
        }
      }
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
