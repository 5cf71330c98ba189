// feeds.yaml's `smtp:` section: the submission listeners where users send control mail.

#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

void Loader::load_smtp(const Field& section, SmtpConfig& smtp) {
  for (const auto& f : fields(section, "smtp")) {
    if (f.name == "listen") {
      smtp.listen = addresses(f);
    } else if (f.name == "tls_listen") {
      smtp.tls_listen = addresses(f);
    } else if (f.name == "max_message_size") {
      const auto bytes = size(f);
      if (bytes < 1024 || bytes > 64 * 1024 * 1024) {
        fail(f, "expected a size from 1KiB to 64MiB (e.g. 1MB)");
      }
      smtp.max_message_size = static_cast<std::size_t>(bytes);
    }
  }
}

} // namespace feedpop::gateway::config_detail
