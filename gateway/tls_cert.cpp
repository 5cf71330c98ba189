#include "gateway/tls_cert.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include "gateway/tls_cert_issue.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;
using tls::fail;
using tls::Ptr;

constexpr long renew_before_days = 30;

struct FreeBio {
  void operator()(BIO* p) const { BIO_free(p); }
};

Ptr<X509> read_certificate(const fs::path& path) {
  std::unique_ptr<BIO, FreeBio> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    fail(fmt::format("cannot open TLS certificate {}", path.string()));
  }
  Ptr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    fail(fmt::format("{} holds no PEM certificate", path.string()));
  }
  return cert;
}

Ptr<EVP_PKEY> read_key(const fs::path& path) {
  std::unique_ptr<BIO, FreeBio> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    fail(fmt::format("cannot open TLS key {}", path.string()));
  }
  Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    fail(fmt::format("{} holds no PEM private key", path.string()));
  }
  return key;
}

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) {
    fail("cannot hash certificate");
  }
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += fmt::format("{}{:02X}", i == 0 ? "" : ":", md[i]);
  }
  return out;
}

std::string date_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return "?";
  }
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

bool expires_soon(X509* cert) {
  std::time_t limit = std::time(nullptr) + renew_before_days * 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert), &limit) < 0;
}

[[noreturn]] void io_error(const std::string& what, const fs::path& path) {
  throw TlsCertError(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)));
}

// Holds an exclusive flock on <dir>/.lock: one process (or thread) at a time reads,
// checks and writes the generated files.
class DirLock {
public:
  explicit DirLock(const fs::path& dir) : path_(dir / ".lock") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      io_error("open", path_);
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const int err = errno;
        ::close(fd_);
        errno = err;
        io_error("lock", path_);
      }
    }
  }
  ~DirLock() { ::close(fd_); } // releases the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

private:
  fs::path path_;
  int fd_ = -1;
};

// mkstemp makes a new file (O_EXCL, a fresh name: a stale temporary is never reused) that
// gets its final mode before any byte is written; rename() then replaces `path` whole.
void write_file(const fs::path& path, std::string_view bytes, mode_t mode) {
  std::string tmp = path.string() + ".XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    io_error("create a temporary file for", path);
  }
  bool ok = ::fchmod(fd, mode) == 0;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ok = n > 0;
    done += ok ? static_cast<std::size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rename_err = ok ? errno : err;
    ::unlink(tmp.c_str());
    errno = rename_err;
    io_error("write", path);
  }
}

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd); // makes the renames durable; a failure here loses nothing already written
    ::close(fd);
  }
}

bool valid_dns_name(std::string_view name) {
  return !name.empty() && name.size() <= 253 && name.front() != '.' && name.front() != '-' &&
         name.back() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
         });
}

// localhost, this host's name, then the configured hostname (the last one is the CN).
tls::Names names_for(const std::string& hostname) {
  tls::Names names;
  names.dns.emplace_back("localhost");
  char host[256] = {};
  const std::string system = ::gethostname(host, sizeof host - 1) == 0 ? host : "";
  for (const std::string& name : {system, hostname}) {
    if (valid_dns_name(name) &&
        std::find(names.dns.begin(), names.dns.end(), name) == names.dns.end()) {
      names.dns.push_back(name);
    }
  }
  names.ip = {"127.0.0.1", "::1"};
  return names;
}

bool covers(X509* leaf, const tls::Names& names) {
  return std::all_of(names.dns.begin(), names.dns.end(),
                     [&](const std::string& dns) {
                       return X509_check_host(leaf, dns.c_str(), dns.size(), 0, nullptr) == 1;
                     }) &&
         std::all_of(names.ip.begin(), names.ip.end(), [&](const std::string& ip) {
           return X509_check_ip_asc(leaf, ip.c_str(), 0) == 1;
         });
}

// Whether `leaf` verifies as a TLS server certificate with `ca` as the only trust anchor
// (signature, validity, basic and name constraints), as a client trusting ca.pem checks.
bool verifies(X509* leaf, X509* ca) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) != 1) {
    fail("cannot set up certificate verification");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

struct Pair {
  Ptr<X509> cert;
  Ptr<EVP_PKEY> key;
};

// A generated pair as found on disk; nullopt when missing, unreadable or mismatched (it
// is then generated again).
std::optional<Pair> load_pair(const fs::path& cert, const fs::path& key) {
  std::error_code ec;
  if (!fs::exists(cert, ec) || !fs::exists(key, ec)) {
    return std::nullopt;
  }
  try {
    Pair pair{read_certificate(cert), read_key(key)};
    if (X509_check_private_key(pair.cert.get(), pair.key.get()) != 1) {
      ERR_clear_error();
      return std::nullopt;
    }
    return pair;
  } catch (const TlsCertError& e) {
    spdlog::warn("TLS: {}; generating a new one", e.what());
    return std::nullopt;
  }
}

Pair new_ca(const fs::path& dir, const tls::Names& names) {
  Pair ca{nullptr, tls::new_key()};
  ca.cert = tls::issue_ca(ca.key.get(), names);
  write_file(dir / "ca-key.pem", tls::pem(ca.key.get()), 0600);
  write_file(dir / "ca.pem", tls::pem(ca.cert.get()), 0644);
  return ca;
}

Pair new_leaf(const tls::Names& names, const Pair& ca) {
  Pair leaf{nullptr, tls::new_key()};
  leaf.cert = tls::issue_leaf(leaf.key.get(), names, ca.cert.get(), ca.key.get());
  return leaf;
}

// The local CA and its server certificate in <data_dir>/tls, made or renewed as needed.
void ensure_local_ca(const fs::path& dir, const std::string& hostname, TlsFiles& files) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw TlsCertError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  }
  const DirLock lock(dir);
  const tls::Names names = names_for(hostname);
  auto ca = load_pair(dir / "ca.pem", dir / "ca-key.pem");
  if (!ca || expires_soon(ca->cert.get())) {
    ca = new_ca(dir, names);
    files.ca_generated = true;
  }
  const auto leaf = load_pair(files.cert, files.key);
  if (leaf && !expires_soon(leaf->cert.get()) && covers(leaf->cert.get(), names) &&
      verifies(leaf->cert.get(), ca->cert.get())) {
    return;
  }
  Pair fresh = new_leaf(names, *ca);
  if (!verifies(fresh.cert.get(), ca->cert.get()) && !files.ca_generated) {
    // The CA's name constraints do not cover a name configured since it was made.
    spdlog::warn("TLS: the local CA {} does not cover the names {}; making a new one, "
                 "which mail clients must be told to trust (README \"The certificate\")",
                 (dir / "ca.pem").string(), fmt::join(names.dns, ", "));
    ca = new_ca(dir, names);
    files.ca_generated = true;
    fresh = new_leaf(names, *ca);
  }
  if (!verifies(fresh.cert.get(), ca->cert.get())) {
    throw TlsCertError("the generated TLS certificate does not verify against its own CA");
  }
  write_file(files.key, tls::pem(fresh.key.get()), 0600);
  // The chain, leaf first: clients that get the CA from the server still need to trust it.
  write_file(files.cert, tls::pem(fresh.cert.get()) + tls::pem(ca->cert.get()), 0644);
  sync_dir(dir);
  files.generated = true;
}

} // namespace

std::string certificate_fingerprint(const fs::path& cert) {
  return fingerprint_of(read_certificate(cert).get());
}

TlsFiles ensure_tls_certificate(const std::optional<fs::path>& cert,
                                const std::optional<fs::path>& key, const fs::path& data_dir,
                                const std::string& hostname) {
  TlsFiles files;
  if (cert && key) {
    files.cert = *cert;
    files.key = *key;
  } else {
    const fs::path dir = data_dir / "tls";
    files.cert = dir / "cert.pem";
    files.key = dir / "key.pem";
    files.ca = dir / "ca.pem";
    ensure_local_ca(dir, hostname, files);
    files.ca_fingerprint = certificate_fingerprint(*files.ca);
  }
  const auto x509 = read_certificate(files.cert);
  const auto pkey = read_key(files.key);
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    fail(fmt::format("TLS key {} does not match certificate {}", files.key.string(),
                     files.cert.string()));
  }
  files.fingerprint = fingerprint_of(x509.get());
  files.not_after = date_of(X509_get0_notAfter(x509.get()));
  return files;
}

} // namespace feedpop::gateway
