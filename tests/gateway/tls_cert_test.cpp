#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gateway/tls_cert.hpp"
#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

X509* load(const fs::path& p) {
  FILE* f = std::fopen(p.c_str(), "r");
  if (f == nullptr) {
    return nullptr;
  }
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return x;
}

TEST(TlsCert, FirstStartGeneratesASelfSignedCertificateIntoDataDir) {
  test::TempDir dir;
  const auto files = ensure_tls_certificate(std::nullopt, std::nullopt, dir.path(), "mail.example");
  EXPECT_TRUE(files.generated);
  EXPECT_TRUE(files.self_signed);
  EXPECT_EQ(files.cert, dir.path() / "tls" / "cert.pem");
  EXPECT_EQ(files.key, dir.path() / "tls" / "key.pem");
  EXPECT_EQ(files.fingerprint.size(), 32 * 3 - 1); // "AB:" × 32 without the last colon
  struct stat st {};
  ASSERT_EQ(::stat(files.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600) << "the private key must not be world-readable";
}

TEST(TlsCert, SecondStartReusesTheSameCertificate) {
  test::TempDir dir;
  const auto first = ensure_tls_certificate(std::nullopt, std::nullopt, dir.path(), "localhost");
  const auto second = ensure_tls_certificate(std::nullopt, std::nullopt, dir.path(), "localhost");
  EXPECT_FALSE(second.generated);
  EXPECT_EQ(first.fingerprint, second.fingerprint);
  EXPECT_EQ(second.fingerprint, certificate_fingerprint(second.cert));
}

TEST(TlsCert, GeneratedCertificateNamesLoopbackAndVerifiesAsItsOwnCa) {
  test::TempDir dir;
  const auto files = ensure_tls_certificate(std::nullopt, std::nullopt, dir.path(), "mail.example");
  X509* cert = load(files.cert);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert, "mail.example", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert, "other.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  // Users pass cert.pem as the CA file (curl --cacert, fetchmail sslcertfile).
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, cert);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(cert);
}

TEST(TlsCert, ConfiguredPairIsUsedAsIsAndNothingIsGenerated) {
  test::TempDir dir;
  generate_self_signed(dir.path() / "mine.crt", dir.path() / "mine.key", "localhost");
  const auto files = ensure_tls_certificate(dir.path() / "mine.crt", dir.path() / "mine.key",
                                            dir.path() / "data", "localhost");
  EXPECT_FALSE(files.generated);
  EXPECT_FALSE(files.self_signed);
  EXPECT_EQ(files.cert, dir.path() / "mine.crt");
  EXPECT_FALSE(fs::exists(dir.path() / "data" / "tls"));
}

TEST(TlsCert, MismatchedKeyMissingFileAndGarbageAreClearErrors) {
  test::TempDir dir;
  generate_self_signed(dir.path() / "a.crt", dir.path() / "a.key", "localhost");
  generate_self_signed(dir.path() / "b.crt", dir.path() / "b.key", "localhost");
  EXPECT_THROW(ensure_tls_certificate(dir.path() / "a.crt", dir.path() / "b.key", dir.path(), ""),
               TlsCertError);
  EXPECT_THROW(
      ensure_tls_certificate(dir.path() / "none.crt", dir.path() / "a.key", dir.path(), ""),
      TlsCertError);
  std::ofstream(dir.path() / "garbage.crt") << "not a certificate\n";
  try {
    ensure_tls_certificate(dir.path() / "garbage.crt", dir.path() / "a.key", dir.path(), "");
    FAIL() << "garbage accepted";
  } catch (const TlsCertError& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.crt"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace feedpop::gateway
