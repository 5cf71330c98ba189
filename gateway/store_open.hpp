#pragma once
// Opens the store that feeds.yaml's `storage:` section names: the SQLite file in data_dir,
// or the PostgreSQL database shared by several nodes.

#include <memory>
#include <string>

#include "gateway/config.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

std::unique_ptr<storage::Store> open_store(const Config& config, storage::Role role,
                                           storage::StoreOptions options = {});
// Whether there is a store to read yet: the SQLite file exists (a database server always
// answers for itself).
bool store_exists(const Config& config);
// For messages: the SQLite file's path, or "PostgreSQL" (never the URL: it may hold a
// password).
std::string store_description(const Config& config);
// This process's name in poll leases: host name and process id, unique among the nodes.
const std::string& node_name();

} // namespace feedpop::gateway
