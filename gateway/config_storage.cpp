// feeds.yaml's `storage:` section: the backend and, for PostgreSQL, its connection.

#include <cstdlib>

#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

void Loader::load_storage(const Field& section, StorageConfig& storage) {
  const Field* postgresql = nullptr;
  for (const auto& f : fields(section, "storage")) {
    if (f.name == "backend") {
      storage.backend = choice<StorageBackend>(
          f, {{"sqlite", StorageBackend::sqlite}, {"postgresql", StorageBackend::postgresql}});
    } else if (f.name == "postgresql") {
      postgresql = &f;
      const Field* url = nullptr;
      for (const auto& p : fields(f, "storage.postgresql")) {
        if (p.name == "url" || p.name == "url_env") {
          if (url != nullptr) {
            fail(p.key.mark(), p.path + ": give only one of url and url_env");
          }
          url = &p;
        }
        if (p.name == "url") {
          storage.postgresql_url = text(p, "a libpq connection string");
        } else if (p.name == "url_env") {
          // Read at load time, like users.*.password_env: the secret stays out of the file.
          const std::string variable = text(p, "an environment variable name");
          const char* value = std::getenv(variable.c_str());
          if (value == nullptr || *value == '\0') {
            fail(p, "environment variable '" + variable + "' is not set or empty");
          }
          storage.postgresql_url = value;
        } else if (p.name == "lease") {
          storage.lease = duration(p);
          if (storage.lease.count() < 3) {
            fail(p, "expected at least 3s (the lease is renewed every third of it)");
          }
        }
      }
    }
  }
  if (storage.backend == StorageBackend::postgresql && storage.postgresql_url.empty()) {
    fail(postgresql != nullptr ? *postgresql : section,
         "storage.backend is postgresql: set storage.postgresql.url or url_env");
  }
}

} // namespace feedpop::gateway::config_detail
