#include "gateway/app.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "auth/throttle.hpp"
#include "common/metrics.hpp"
#include "gateway/commands.hpp"
#include "gateway/config_warnings.hpp"
#include "gateway/config_watcher.hpp"
#include "gateway/control_mail.hpp"
#include "gateway/digests.hpp"
#include "gateway/ingest_options.hpp"
#include "gateway/logging.hpp"
#include "gateway/mailbox_views.hpp"
#include "gateway/serve_options.hpp"
#include "gateway/store_adapter.hpp"
#include "gateway/store_open.hpp"
#include "gateway/subscriptions.hpp"
#include "gateway/tls_cert.hpp"
#include "gateway/user_feeds.hpp"
#include "gateway/web_status.hpp"
#include "ingest/digest_scheduler.hpp"
#include "ingest/fetcher.hpp"
#include "pop3/server.hpp"
#include "smtp/mail_command.hpp"
#include "smtp/server.hpp"
#include "storage/mailbox_cache.hpp"
#include "storage/store.hpp"
#include "web/server.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

// Blocks the signals serve handles in the calling thread and every thread it starts.
class SignalMask {
public:
  SignalMask() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SignalMask() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalMask(const SignalMask&) = delete;
  SignalMask& operator=(const SignalMask&) = delete;
  int wait() const {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

private:
  sigset_t set_{};
  sigset_t old_{};
};

class Service {
public:
  Service(fs::path config_file, ServeOverrides overrides)
      : config_file_(std::move(config_file)), overrides_(std::move(overrides)) {}

  int run();

private:
  std::shared_ptr<const Config> load() const {
    auto c = load_config(config_file_);
    apply_overrides(c, overrides_);
    return std::make_shared<const Config>(std::move(c));
  }
  void reload();
  void log_changes(const Config& old_cfg, const Config& new_cfg) const;
  std::shared_ptr<const Config> current() const {
    std::lock_guard lock(config_mutex_);
    return config_;
  }
  std::unique_ptr<storage::Store> open_reader() const {
    return open_store(*current(), storage::Role::reader);
  }
  // The fetcher's options: the config's feeds and the users' own.
  ingest::Options fetch_options(const Config& config) const {
    return ingest_options(config, open_reader()->user_feeds(""));
  }
  void start_smtp(const std::optional<TlsFiles>& tls, StartupFacts& facts);
  void schedule_digests(const std::shared_ptr<const Config>& config, bool start);
  std::string on_control_mail(smtp::Submission&& mail);

  fs::path config_file_;
  ServeOverrides overrides_;
  std::mutex reload_mutex_;
  mutable std::mutex config_mutex_; // config_ is read by SMTP threads
  std::shared_ptr<const Config> config_;
  std::string fingerprint_;
  std::shared_ptr<StoreAuthenticator> auth_;
  std::unique_ptr<pop3::Server> server_;
  std::unique_ptr<ingest::Fetcher> fetcher_;
  std::unique_ptr<ingest::DigestScheduler> digests_; // gateway/digests.hpp
  std::shared_ptr<auth::Throttle> throttle_ = std::make_shared<auth::Throttle>();
  std::unique_ptr<Subscriptions> subscriptions_;
  std::unique_ptr<smtp::Server> smtp_;
  std::atomic<std::uint64_t> replies_{0};
  std::unique_ptr<web::Server> web_;
  void start_web(std::shared_ptr<boost::asio::ssl::context> tls, StartupFacts& facts);
};

// Users' digests cover the feeds they added by mail: those are read from the store at every
// round (a subscription stored by any node counts at once). Without a user's digest the
// list is fixed, and the scheduler opens no store until a digest is due.
void Service::schedule_digests(const std::shared_ptr<const Config>& config, bool start) {
  const bool per_user = std::any_of(config->users.begin(), config->users.end(),
                                    [](const auto& u) { return u.second.digest.has_value(); });
  if (!per_user) {
    auto list = digest_configs(*config);
    start ? digests_->start(std::move(list)) : digests_->apply(std::move(list));
    return;
  }
  ingest::DigestScheduler::Digests source = [config](storage::Store& store) {
    return digest_configs(*config, store.user_feeds(""));
  };
  start ? digests_->start(std::move(source)) : digests_->apply(std::move(source));
}

void Service::start_web(std::shared_ptr<boost::asio::ssl::context> tls, StartupFacts& facts) {
  if (config_->web.listen.empty() && config_->web.tls_listen.empty()) {
    return;
  }
  auto status = std::make_shared<WebStatus>([this] { return open_reader(); },
                                            [this] { return current(); }, subscriptions_.get());
  metrics::registry().on_collect([status] { status->refresh_feed_gauges(); });
  // /healthz's "listener down": every POP3, SMTP and web acceptor that is not accepting.
  status->watch_listeners([this] {
    auto problems = server_->listener_problems();
    const auto add = [&problems](std::vector<std::string> more) {
      problems.insert(problems.end(), more.begin(), more.end());
    };
    if (smtp_) {
      add(smtp_->listener_problems());
    }
    if (web_) {
      add(web_->listener_problems());
    }
    return problems;
  });
  auto options = web_options(*config_, facts);
  if (!tls && !options.tls_listen.empty()) {
    throw std::runtime_error("web.tls_listen needs a TLS certificate (pop3.tls or a "
                             "pop3.tls_listen address)");
  }
  auto handler = std::make_shared<web::Handler>(options, status, auth_, throttle_);
  web_ = std::make_unique<web::Server>(handler, std::move(tls));
  for (const auto& bound : web_->start()) {
    facts.web.push_back(fmt::format("{}://{}", bound.tls ? "https" : "http",
                                    show(ListenAddress{bound.endpoint.host, bound.endpoint.port})));
  }
}

void Service::start_smtp(const std::optional<TlsFiles>& tls, StartupFacts& facts) {
  Subscriptions::Deps deps;
  deps.open_store = [this] { return open_reader(); };
  deps.config = [this] { return current(); };
  deps.changed = [this] { fetcher_->apply(fetch_options(*current())); };
  subscriptions_ = std::make_unique<Subscriptions>(std::move(deps));
  const auto options = smtp_options(*config_);
  if (options.listen.empty() && options.tls_listen.empty()) {
    return;
  }
  smtp_ = std::make_unique<smtp::Server>(
      options, auth_, [this](smtp::Submission&& mail) { return on_control_mail(std::move(mail)); },
      tls ? pop3::make_tls_context(tls->cert, tls->key) : nullptr, throttle_);
  for (const auto& bound : smtp_->start()) {
    (bound.implicit_tls ? facts.smtp_implicit : facts.smtp_plain)
        .push_back(show(ListenAddress{bound.endpoint.host, bound.endpoint.port}));
  }
}

// A control mail: its commands carried out, the reply stored in the user's mailbox; the
// SMTP reply to the final "." says where to look.
std::string Service::on_control_mail(smtp::Submission&& submission) {
  const auto config = current();
  // A mailbox-view login ("alice+lwn") acts for its user.
  const auto mailbox = resolve_mailbox(*config, submission.user);
  const std::string user = mailbox ? mailbox->user : submission.user;
  try {
    const auto mail = smtp::parse_command_mail(submission.content);
    const auto reply = run_commands(*subscriptions_, user, mail);
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto token = fmt::format(
        "{}.{}", std::chrono::system_clock::now().time_since_epoch().count(), ++replies_);
    const auto message = render_reply(reply, mail, user, config->hostname, now, token);
    deliver_reply(*open_reader(), user, token, message, now);
    spdlog::info("control mail from {}: {} done, {} failed", user, reply.done, reply.failed);
    return fmt::format("250 2.0.0 {} command{} done, {} failed; the reply is in your mailbox",
                       reply.done, reply.done == 1 ? "" : "s", reply.failed);
  } catch (const std::exception& e) {
    spdlog::error("control mail from {}: {}", user, e.what());
    return fmt::format("451 4.3.0 feedpop could not carry out the commands now ({})", e.what());
  }
}

int Service::run() {
  const SignalMask signals; // before any thread exists
  metrics::handles();       // start time and build info, exposed from the start
  try {
    config_ = load();
  } catch (const ConfigError& e) {
    spdlog::error("invalid configuration: {}", e.what());
    return exit_config;
  }
  if (!overrides_.log_level) {
    set_log_level(config_->log_level);
  }
  log_warnings(*config_);
  StartupFacts facts;
  try {
    fs::create_directories(config_->data_dir);
    const auto tls = tls_files(*config_);
    if (tls) {
      fingerprint_ = tls->fingerprint;
      facts.cert = tls->cert.string();
      facts.fingerprint = tls->fingerprint;
      facts.not_after = tls->not_after;
      facts.cert_origin = cert_origin(*tls);
    }
    auto writer = open_store(*config_, storage::Role::writer);
    // The POP3 readers share one memory of the feeds' entry lists (one database).
    storage::StoreOptions readers;
    readers.mailbox_cache = std::make_shared<storage::MailboxCache>();
    auth_ = std::make_shared<StoreAuthenticator>(
        [config = config_, readers] { return open_store(*config, storage::Role::reader, readers); },
        config_);
    auto tls_context = tls ? pop3::make_tls_context(tls->cert, tls->key) : nullptr;
    auto pop3_options = server_options(*config_);
    pop3_options.throttle = throttle_; // failed logins count together over POP3, SMTP, web
    server_ = std::make_unique<pop3::Server>(std::move(pop3_options), auth_, tls_context);
    for (const auto& bound : server_->start()) {
      (bound.implicit_tls ? facts.implicit : facts.plain).push_back(show(bound.endpoint));
    }
    fetcher_ = std::make_unique<ingest::Fetcher>(std::move(writer), fetch_options(*config_));
    fetcher_->set_pinned_entries([auth = auth_] { return auth->pinned_entries(); });
    fetcher_->start();
    digests_ = std::make_unique<ingest::DigestScheduler>(
        [this] { return open_store(*current(), storage::Role::writer); }, config_->hostname);
    schedule_digests(config_, true);
    start_smtp(tls, facts); // makes subscriptions_, which the web server uses
    start_web(tls_context, facts);
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    if (web_) {
      web_->shutdown(std::chrono::milliseconds(0));
    }
    if (smtp_) {
      smtp_->shutdown(std::chrono::milliseconds(0));
    }
    if (server_) {
      server_->shutdown(std::chrono::milliseconds(0));
    }
    return exit_runtime;
  }
  for (const auto& line : startup_summary(*config_, facts)) {
    spdlog::info("{}", line);
  }

  ConfigWatcher watcher(config_file_, [this] { reload(); });
  try {
    watcher.start();
  } catch (const std::system_error& e) {
    spdlog::warn("not watching {} for edits ({}); reload with SIGHUP", config_file_.string(),
                 e.what());
  }
  int sig = 0;
  while ((sig = signals.wait()) == SIGHUP) {
    spdlog::info("SIGHUP: reloading {}", config_file_.string());
    watcher.trigger();
  }
  watcher.stop();
  const auto grace = config_->pop3.grace_period;
  spdlog::info("{}: stopping; sessions have {}s to QUIT, fetches are aborted",
               sig == SIGINT ? "SIGINT" : "SIGTERM", grace.count());
  // Both at once: the fetcher's abort must not wait for the sessions' grace period.
  std::thread stop_fetcher([this] { fetcher_->stop(); });
  if (web_) {
    web_->shutdown(std::chrono::milliseconds(1000));
  }
  std::thread stop_smtp([this, grace] {
    if (smtp_) {
      smtp_->shutdown(grace);
    }
  });
  server_->shutdown(grace);
  stop_smtp.join();
  stop_fetcher.join();
  digests_->stop();
  spdlog::info("stopped");
  return exit_ok;
}

void Service::reload() {
  std::lock_guard lock(reload_mutex_);
  std::shared_ptr<const Config> next;
  try {
    next = load();
  } catch (const ConfigError& e) {
    // The message is "file:line:col: ..." — the edit is rejected as a whole.
    spdlog::error("config change rejected, still serving the previous one: {}", e.what());
    return;
  }
  log_changes(*config_, *next);
  log_warnings(*next);
  auth_->apply(next);
  schedule_digests(next, false);
  try {
    fetcher_->apply(fetch_options(*next));
  } catch (const storage::StoreError& e) {
    spdlog::error("users' feeds not read ({}); polling the configured feeds only", e.what());
    fetcher_->apply(ingest_options(*next));
  }
  if (!overrides_.log_level && next->log_level != config_->log_level) {
    set_log_level(next->log_level);
  }
  try {
    const auto tls = tls_files(*next);
    if (tls) {
      server_->set_tls_context(pop3::make_tls_context(tls->cert, tls->key));
      if (smtp_) {
        smtp_->set_tls_context(pop3::make_tls_context(tls->cert, tls->key));
      }
      if (tls->fingerprint != fingerprint_) {
        spdlog::info("TLS certificate {} now in use ({}), SHA-256 fingerprint {}",
                     tls->cert.string(), cert_origin(*tls), tls->fingerprint);
        fingerprint_ = tls->fingerprint;
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("TLS certificate not reloaded, keeping the previous one: {}", e.what());
  }
  std::lock_guard config_lock(config_mutex_);
  config_ = std::move(next);
}

void Service::log_changes(const Config& old_cfg, const Config& new_cfg) const {
  const auto old_feeds = keys_of(old_cfg.feeds);
  const auto new_feeds = keys_of(new_cfg.feeds);
  const auto old_users = keys_of(old_cfg.users);
  const auto new_users = keys_of(new_cfg.users);
  spdlog::info("config reloaded: {} feeds (added: {}; removed: {}), {} users (added: {}; "
               "removed: {})",
               new_feeds.size(), listed(minus(new_feeds, old_feeds)),
               listed(minus(old_feeds, new_feeds)), new_users.size(),
               listed(minus(new_users, old_users)), listed(minus(old_users, new_users)));
  // The server binds its listeners and limits once; say so rather than ignore the edit.
  const auto& o = old_cfg.pop3;
  const auto& n = new_cfg.pop3;
  if (o.listen != n.listen || o.tls_listen != n.tls_listen ||
      o.plaintext_auth != n.plaintext_auth || o.max_connections != n.max_connections ||
      o.max_per_address != n.max_per_address || o.lock_session != n.lock_session ||
      o.idle_timeout != n.idle_timeout || o.login_timeout != n.login_timeout ||
      o.threads != n.threads || old_cfg.hostname != new_cfg.hostname) {
    spdlog::warn("pop3 listeners, limits, timeouts, threads and hostname take effect at the "
                 "next restart");
  }
  if (old_cfg.smtp.listen != new_cfg.smtp.listen ||
      old_cfg.smtp.tls_listen != new_cfg.smtp.tls_listen ||
      old_cfg.smtp.max_message_size != new_cfg.smtp.max_message_size) {
    spdlog::warn("smtp listeners and limits take effect at the next restart");
  }
  if (old_cfg.data_dir != new_cfg.data_dir) {
    spdlog::warn("data_dir changes take effect at the next restart");
  }
}

} // namespace

int run_server(const fs::path& config_file, const ServeOverrides& overrides) {
  Service service(config_file, overrides);
  return service.run();
}

} // namespace feedpop::gateway
