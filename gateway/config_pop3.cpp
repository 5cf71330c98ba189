// feeds.yaml's `pop3:` section.

#include <algorithm>

#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

void Loader::load_pop3(const Field& section, Pop3Config& pop3) {
  for (const auto& f : fields(section, "pop3")) {
    if (f.name == "listen") {
      pop3.listen = addresses(f);
    } else if (f.name == "tls_listen") {
      pop3.tls_listen = addresses(f);
    } else if (f.name == "tls") {
      for (const auto& t : fields(f, "pop3.tls")) {
        (t.name == "cert" ? pop3.tls_cert : pop3.tls_key) = path(t);
      }
      if (pop3.tls_cert.has_value() != pop3.tls_key.has_value()) {
        fail(f.key.mark(), "pop3.tls: give both cert and key (or neither, for a certificate "
                           "signed by feedpop's local CA in data_dir)");
      }
    } else if (f.name == "plaintext_auth") {
      pop3.plaintext_auth = choice<PlaintextAuth>(f, {{"never", PlaintextAuth::never},
                                                      {"local", PlaintextAuth::local},
                                                      {"always", PlaintextAuth::always}});
    } else if (f.name == "limits") {
      for (const auto& l : fields(f, "pop3.limits")) {
        (l.name == "connections" ? pop3.max_connections : pop3.max_per_address) =
            count(l, 1, 1'000'000);
      }
    } else if (f.name == "lock_session") {
      pop3.lock_session = boolean(f);
    } else if (f.name == "timeouts") {
      for (const auto& t : fields(f, "pop3.timeouts")) {
        (t.name == "idle" ? pop3.idle_timeout : pop3.login_timeout) = duration(t);
      }
    } else if (f.name == "grace_period") {
      pop3.grace_period = duration(f, true);
    } else if (f.name == "threads") {
      pop3.threads = static_cast<unsigned>(count(f, 0, 1024));
    } else if (f.name == "view_separator") {
      const std::string value = text(f);
      // The separator splits `alice+lwn`; it must not be a character names may contain.
      const bool ok = !value.empty() && value.size() <= 4 &&
                      std::all_of(value.begin(), value.end(), [](unsigned char c) {
                        return std::ispunct(c) && c != '.' && c != '_' && c != '-' && c != '@';
                      });
      if (!ok) {
        fail(f, "expected 1 to 4 punctuation characters other than . _ - @ (e.g. '+')");
      }
      pop3.view_separator = value;
    }
  }
}

} // namespace feedpop::gateway::config_detail
