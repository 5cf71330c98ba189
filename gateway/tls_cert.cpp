#include "gateway/tls_cert.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string_view>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

// Apple platforms refuse TLS server certificates valid for more than 825 days, even
// self-signed ones a user trusted by hand; stay under that and renew 30 days early.
constexpr long validity_days = 820;
constexpr long renew_before_days = 30;

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
};
template <class T> using Ptr = std::unique_ptr<T, Free>;

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

[[noreturn]] void fail(const std::string& what) {
  throw TlsCertError(what + ": " + openssl_reason());
}

Ptr<X509> read_certificate(const fs::path& path) {
  Ptr<BIO> bio(BIO_new_file(path.c_str(), "r"));
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
  Ptr<BIO> bio(BIO_new_file(path.c_str(), "r"));
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

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    fail(fmt::format("cannot add certificate extension {}", value));
  }
}

// Writes through a temporary file and rename() so a crash never leaves half a PEM file.
void write_file(const fs::path& path, std::string_view bytes, mode_t mode) {
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    throw TlsCertError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw TlsCertError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  std::error_code ec;
  if (!synced || (fs::rename(tmp, path, ec), ec)) {
    throw TlsCertError(fmt::format("cannot write {}", path.string()));
  }
}

template <class WriteFn> std::string pem_of(WriteFn&& write) {
  Ptr<BIO> mem(BIO_new(BIO_s_mem()));
  if (!mem || write(mem.get()) != 1) {
    fail("cannot encode PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bool expires_soon(X509* cert) {
  std::time_t limit = std::time(nullptr) + renew_before_days * 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert), &limit) < 0;
}

} // namespace

void generate_self_signed(const fs::path& cert_path, const fs::path& key_path,
                          const std::string& hostname) {
  // P-256: small, fast handshakes, supported by every TLS 1.2+ client we target.
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) {
    fail("cannot generate a P-256 key");
  }
  Ptr<X509> cert(X509_new());
  Ptr<BIGNUM> serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    fail("cannot create a certificate");
  }
  // Backdated an hour: clients with a slightly slow clock must not see "not yet valid".
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(validity_days), 0, nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn = hostname.empty() ? std::string("localhost") : hostname;
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("feedpop"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  // As `openssl req -x509` does: the certificate is its own CA, so users (and the client
  // checks in ../shared/clients) can pass this very file as the CA to trust.
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_authority_key_identifier, "keyid:always");
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (cn != "localhost" && cn.find_first_of(", ") == std::string::npos) {
    san += ",DNS:" + cn;
  }
  add_extension(cert.get(), NID_subject_alt_name, san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    fail("cannot sign the certificate");
  }
  std::error_code ec;
  fs::create_directories(cert_path.parent_path(), ec);
  fs::create_directories(key_path.parent_path(), ec);
  write_file(key_path, pem_of([&](BIO* b) {
               return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
             }),
             0600);
  write_file(cert_path, pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }), 0644);
}

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
    files.self_signed = true;
    files.cert = data_dir / "tls" / "cert.pem";
    files.key = data_dir / "tls" / "key.pem";
    std::error_code ec;
    const bool present = fs::exists(files.cert, ec) && fs::exists(files.key, ec);
    if (!present || expires_soon(read_certificate(files.cert).get())) {
      generate_self_signed(files.cert, files.key, hostname);
      files.generated = true;
    }
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
