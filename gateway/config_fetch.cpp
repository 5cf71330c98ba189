// feeds.yaml's `fetch:` section.

#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

ContentMode Loader::content_mode(const Field& field) const {
  return choice<ContentMode>(
      field,
      {{"feed", ContentMode::feed}, {"full", ContentMode::full}, {"auto", ContentMode::automatic}});
}

ImagesMode Loader::images_mode(const Field& field) const {
  return choice<ImagesMode>(field, {{"link", ImagesMode::link}, {"inline", ImagesMode::inline_}});
}

// A width in pixels, or `none` (a feed's way out of fetch.images_max_width).
unsigned Loader::images_max_width(const Field& field) const {
  if (field.value.is_scalar() && field.value.scalar() == "none") {
    return 0;
  }
  return static_cast<unsigned>(count(field, 16, 20'000));
}

EnclosuresMode Loader::enclosures_mode(const Field& field) const {
  return choice<EnclosuresMode>(
      field, {{"link", EnclosuresMode::link}, {"attach", EnclosuresMode::attach}});
}

void Loader::load_fetch(const Field& section, FetchConfig& fetch) {
  for (const auto& f : fields(section, "fetch")) {
    if (f.name == "interval") {
      fetch.interval = duration(f);
    } else if (f.name == "concurrency") {
      fetch.concurrency = static_cast<unsigned>(count(f, 1, 1024));
    } else if (f.name == "per_host") {
      fetch.per_host = static_cast<unsigned>(count(f, 1, 1024));
    } else if (f.name == "timeout") {
      fetch.timeout = duration(f);
    } else if (f.name == "connect_timeout") {
      fetch.connect_timeout = duration(f);
    } else if (f.name == "max_size") {
      fetch.max_size = size(f);
    } else if (f.name == "user_agent") {
      fetch.user_agent = text(f);
    } else if (f.name == "proxy") {
      fetch.proxy = text(f);
    } else if (f.name == "ca_file") {
      fetch.ca_file = path(f);
    } else if (f.name == "private_addresses") {
      fetch.private_addresses =
          choice<PrivateAddresses>(f, {{"allow", PrivateAddresses::allow},
                                       {"deny", PrivateAddresses::deny},
                                       {"allow_for_users", PrivateAddresses::allow_for_users}});
    } else if (f.name == "max_backoff") {
      fetch.max_backoff = duration(f);
    } else if (f.name == "notify_after") {
      fetch.notify_after = duration(f);
    } else if (f.name == "content") {
      fetch.content = content_mode(f);
    } else if (f.name == "images") {
      fetch.images = images_mode(f);
    } else if (f.name == "images_max_width") {
      fetch.images_max_width = images_max_width(f);
    } else if (f.name == "enclosures") {
      fetch.enclosures = enclosures_mode(f);
    } else if (f.name == "enclosures_max_size") {
      fetch.enclosures_max_size = size(f);
    }
  }
}

} // namespace feedpop::gateway::config_detail
