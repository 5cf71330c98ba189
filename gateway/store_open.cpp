#include "gateway/store_open.hpp"

#include <unistd.h>

#include <array>
#include <filesystem>

namespace feedpop::gateway {

std::unique_ptr<storage::Store> open_store(const Config& config, storage::Role role,
                                           storage::StoreOptions options) {
  if (config.storage.backend == StorageBackend::postgresql) {
    options.pool_size = config.storage.pool_size;
    return storage::open_postgresql_store(config.storage.postgresql_url, role, std::move(options));
  }
  return storage::open_sqlite_store((config.data_dir / storage::database_file_name).string(), role,
                                    std::move(options));
}

bool store_exists(const Config& config) {
  return config.storage.backend == StorageBackend::postgresql ||
         std::filesystem::exists(config.data_dir / storage::database_file_name);
}

std::string store_description(const Config& config) {
  if (config.storage.backend == StorageBackend::postgresql) {
    return "PostgreSQL";
  }
  return (config.data_dir / storage::database_file_name).string();
}

const std::string& node_name() {
  static const std::string name = [] {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) {
      host[0] = '\0';
    }
    return std::string(host.data()) + ":" + std::to_string(::getpid());
  }();
  return name;
}

} // namespace feedpop::gateway
