// feeds.yaml's `web:` section: the HTTP listeners of the status page, /healthz and
// /metrics, and who may scrape /metrics from other than loopback.

#include <cstdlib>

#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

void Loader::load_web(const Field& section, WebConfig& web) {
  const Field* token = nullptr;
  for (const auto& f : fields(section, "web")) {
    if (f.name == "listen") {
      web.listen = addresses(f);
    } else if (f.name == "tls_listen") {
      web.tls_listen = addresses(f);
    } else if (f.name == "limits") {
      for (const auto& l : fields(f, "web.limits")) {
        web.max_connections = count(l, 1, 1'000'000);
      }
    } else if (f.name == "metrics_token" || f.name == "metrics_token_env") {
      if (token != nullptr) {
        fail(f.key.mark(), f.path + ": give only one of metrics_token and metrics_token_env");
      }
      token = &f;
      if (f.name == "metrics_token") {
        web.metrics_token = text(f, "a bearer token");
      } else {
        const std::string variable = text(f, "an environment variable name");
        const char* value = std::getenv(variable.c_str());
        if (value == nullptr || *value == '\0') {
          fail(f, "environment variable '" + variable + "' is not set or empty");
        }
        web.metrics_token = value;
      }
      if (web.metrics_token->size() < 16) {
        fail(f, "the metrics token is too short (at least 16 characters)");
      }
    }
  }
}

} // namespace feedpop::gateway::config_detail
