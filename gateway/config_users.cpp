// feeds.yaml's `users:` section: credentials, subscriptions, and whether the user may add
// feeds of their own (by mail).

#include <algorithm>
#include <cstdlib>
#include <functional>
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

namespace {

std::uint32_t hash_of(std::string_view text) {
  return static_cast<std::uint32_t>(std::hash<std::string_view>{}(text));
}

} // namespace

void KeyIndex::add(std::string_view key) {
  text_ += key;
  ends_.push_back(text_.size());
  if (slots_.size() >= 2 * ends_.size()) {
    insert(static_cast<std::uint32_t>(ends_.size() - 1));
    return;
  }
  slots_.assign(std::max<std::size_t>(16, slots_.size() * 4), Slot{});
  for (std::uint32_t ordinal = 0; ordinal < ends_.size(); ++ordinal) {
    insert(ordinal);
  }
}

void KeyIndex::insert(std::uint32_t ordinal) {
  const std::uint32_t hash = hash_of(key(ordinal));
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i].ordinal != empty) {
    i = (i + 1) & mask;
  }
  slots_[i] = {hash, ordinal};
}

std::optional<std::uint32_t> KeyIndex::find(std::string_view wanted) const {
  if (slots_.empty()) {
    return std::nullopt;
  }
  const std::uint32_t hash = hash_of(wanted);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask; slots_[i].ordinal != empty; i = (i + 1) & mask) {
    if (slots_[i].hash == hash && key(slots_[i].ordinal) == wanted) {
      return slots_[i].ordinal;
    }
  }
  return std::nullopt;
}

std::string_view KeyIndex::key(std::uint32_t ordinal) const {
  const std::size_t begin = ordinal == 0 ? 0 : ends_[ordinal - 1];
  return std::string_view(text_).substr(begin, ends_[ordinal] - begin);
}

void Loader::index_feeds(const Config& config) {
  if (feeds_indexed_) {
    return;
  }
  for (const auto& [key, feed] : config.feeds) {
    const auto ordinal = static_cast<std::uint32_t>(feed_keys_.size());
    feed_keys_.add(key);
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
    if (const auto ordinal = feed_keys_.find(wanted)) {
      add(*ordinal);
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
    keys.emplace_back(feed_keys_.key(ordinal));
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
