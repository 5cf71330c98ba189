// The local CA (gateway/tls_cert.hpp): what it issues, verified with OpenSSL the way a
// client trusting ca.pem verifies it; renewal; file modes; concurrent starts.
#include "gateway/tls_cert.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gateway/tls_cert_issue.hpp"
#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;
using tls::Ptr;

Ptr<X509> load(const fs::path& p) {
  FILE* f = std::fopen(p.c_str(), "r");
  if (f == nullptr) {
    return nullptr;
  }
  Ptr<X509> x(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return x;
}

Ptr<EVP_PKEY> load_key(const fs::path& p) {
  FILE* f = std::fopen(p.c_str(), "r");
  if (f == nullptr) {
    return nullptr;
  }
  Ptr<EVP_PKEY> k(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return k;
}

// X509_V_OK when `leaf` verifies as a TLS server certificate with `ca` as the only anchor.
int verify(X509* leaf, X509* ca) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  const int result = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return result;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

std::string system_hostname() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

TlsFiles local(const fs::path& dir, const std::string& hostname = "mail.example") {
  return ensure_tls_certificate(std::nullopt, std::nullopt, dir, hostname);
}

TEST(TlsCert, FirstStartMakesALocalCaAndAServerCertificateWithPrivateKeys) {
  test::TempDir dir;
  const auto files = local(dir.path());
  EXPECT_TRUE(files.generated);
  EXPECT_TRUE(files.ca_generated);
  const fs::path tls = dir.path() / "tls";
  EXPECT_EQ(files.cert, tls / "cert.pem");
  EXPECT_EQ(files.key, tls / "key.pem");
  ASSERT_TRUE(files.ca);
  EXPECT_EQ(*files.ca, tls / "ca.pem");
  EXPECT_EQ(files.fingerprint.size(), 32 * 3 - 1); // "AB:" × 32 without the last colon
  EXPECT_NE(files.fingerprint, files.ca_fingerprint);
  EXPECT_EQ(mode_of(tls / "ca-key.pem"), 0600U) << "the CA key must not be readable by others";
  EXPECT_EQ(mode_of(tls / "key.pem"), 0600U);
  EXPECT_EQ(mode_of(tls / "ca.pem"), 0644U);
  EXPECT_EQ(mode_of(tls / "cert.pem"), 0644U);
}

TEST(TlsCert, TheServerCertificateVerifiesAgainstCaPemForEveryNameItServes) {
  test::TempDir dir;
  const auto files = local(dir.path());
  const auto ca = load(*files.ca);
  const auto leaf = load(files.cert);
  ASSERT_TRUE(ca && leaf);
  EXPECT_EQ(verify(leaf.get(), ca.get()), X509_V_OK);
  for (const std::string& name :
       {std::string("localhost"), std::string("mail.example"), system_hostname()}) {
    EXPECT_EQ(X509_check_host(leaf.get(), name.c_str(), 0, 0, nullptr), 1) << name;
  }
  EXPECT_NE(X509_check_host(leaf.get(), "other.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "::1", 0), 1);
  // cert.pem is the chain: the leaf, then the CA.
  std::string text(fs::file_size(files.cert), '\0');
  std::ifstream(files.cert, std::ios::binary)
      .read(text.data(), static_cast<std::streamsize>(text.size()));
  std::size_t count = 0;
  for (std::size_t at = 0; (at = text.find("BEGIN CERTIFICATE", at)) != std::string::npos; ++at) {
    ++count;
  }
  EXPECT_EQ(count, 2U);
}

TEST(TlsCert, TheCaIsAPathlenZeroCaAndTheLeafIsNot) {
  test::TempDir dir;
  const auto files = local(dir.path());
  const auto ca = load(*files.ca);
  const auto leaf = load(files.cert);
  ASSERT_TRUE(ca && leaf);
  EXPECT_GE(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_get_pathlen(ca.get()), 0);
  const int bc = X509_get_ext_by_NID(ca.get(), NID_basic_constraints, -1);
  ASSERT_GE(bc, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(ca.get(), bc)), 1);
  EXPECT_GE(X509_get_ext_by_NID(ca.get(), NID_name_constraints, -1), 0);
  EXPECT_EQ(X509_check_issued(ca.get(), ca.get()), X509_V_OK) << "the CA is self-signed";
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_NE(X509_get_extension_flags(leaf.get()) & EXFLAG_BCONS, 0U) << "CA:FALSE is explicit";
  EXPECT_EQ(X509_check_issued(ca.get(), leaf.get()), X509_V_OK);
}

TEST(TlsCert, NameConstraintsKeepTheCaFromVouchingForAnyOtherName) {
  test::TempDir dir;
  const auto files = local(dir.path());
  const auto ca = load(*files.ca);
  const auto ca_key = load_key(dir.path() / "tls" / "ca-key.pem");
  ASSERT_TRUE(ca && ca_key);
  // What a thief of ca-key.pem would sign: a certificate for somebody else's server.
  const auto key = tls::new_key();
  const auto evil = tls::issue_leaf(key.get(), {{"bank.example"}, {}}, ca.get(), ca_key.get());
  EXPECT_EQ(verify(evil.get(), ca.get()), X509_V_ERR_PERMITTED_VIOLATION);
  const auto ip = tls::issue_leaf(key.get(), {{"localhost"}, {"10.0.0.1"}}, ca.get(), ca_key.get());
  EXPECT_EQ(verify(ip.get(), ca.get()), X509_V_ERR_PERMITTED_VIOLATION);
  const auto fine = tls::issue_leaf(key.get(), {{"localhost"}, {"::1"}}, ca.get(), ca_key.get());
  EXPECT_EQ(verify(fine.get(), ca.get()), X509_V_OK);
}

TEST(TlsCert, SecondStartReusesTheCaAndTheCertificate) {
  test::TempDir dir;
  const auto first = local(dir.path());
  const auto second = local(dir.path());
  EXPECT_FALSE(second.generated);
  EXPECT_FALSE(second.ca_generated);
  EXPECT_EQ(first.fingerprint, second.fingerprint);
  EXPECT_EQ(first.ca_fingerprint, second.ca_fingerprint);
  EXPECT_EQ(second.fingerprint, certificate_fingerprint(second.cert));
}

TEST(TlsCert, ACertificateNearItsExpiryIsRenewedByTheSameCa) {
  test::TempDir dir;
  const auto first = local(dir.path());
  // Replace the leaf by one expiring in 60 days, then in 10, still signed by the CA.
  const auto ca = load(*first.ca);
  const auto ca_key = load_key(dir.path() / "tls" / "ca-key.pem");
  const auto key = load_key(first.key);
  auto leaf = load(first.cert);
  ASSERT_TRUE(X509_time_adj_ex(X509_getm_notAfter(leaf.get()), 60, 0, nullptr));
  ASSERT_GT(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()), 0);
  FILE* f = std::fopen(first.cert.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, leaf.get());
  std::fclose(f);
  const auto short_lived = certificate_fingerprint(first.cert);
  EXPECT_FALSE(local(dir.path()).generated) << "60 days left: kept";

  ASSERT_TRUE(X509_time_adj_ex(X509_getm_notAfter(leaf.get()), 10, 0, nullptr));
  ASSERT_GT(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()), 0);
  f = std::fopen(first.cert.c_str(), "w");
  PEM_write_X509(f, leaf.get());
  std::fclose(f);
  const auto renewed = local(dir.path());
  EXPECT_TRUE(renewed.generated);
  EXPECT_FALSE(renewed.ca_generated) << "users keep trusting the same ca.pem";
  EXPECT_EQ(renewed.ca_fingerprint, first.ca_fingerprint);
  EXPECT_NE(renewed.fingerprint, short_lived);
  EXPECT_EQ(verify(load(renewed.cert).get(), ca.get()), X509_V_OK);
}

TEST(TlsCert, ANewHostnameGetsACertificateTheCaMayVouchFor) {
  test::TempDir dir;
  const auto first = local(dir.path(), "a.example");
  const auto first_ca = load(*first.ca);
  const auto second = local(dir.path(), "b.example");
  EXPECT_TRUE(second.generated);
  EXPECT_TRUE(second.ca_generated) << "a.example's CA is constrained to a.example";
  const auto leaf = load(second.cert);
  EXPECT_EQ(X509_check_host(leaf.get(), "b.example", 0, 0, nullptr), 1);
  EXPECT_EQ(verify(leaf.get(), load(*second.ca).get()), X509_V_OK);
  EXPECT_NE(verify(leaf.get(), first_ca.get()), X509_V_OK);
}

TEST(TlsCert, KeysAre0600EvenWithStaleWorldReadableTemporariesAndNoUmask) {
  test::TempDir dir;
  const fs::path tls = dir.path() / "tls";
  fs::create_directories(tls);
  for (const char* stale : {"key.pem.tmp", "ca-key.pem.tmp", "key.pem.XXXXXX"}) {
    std::ofstream(tls / stale) << "stale";
    fs::permissions(tls / stale, fs::perms(0666));
  }
  const mode_t old = ::umask(0);
  const auto files = local(dir.path());
  ::umask(old);
  EXPECT_EQ(mode_of(tls / "ca-key.pem"), 0600U);
  EXPECT_EQ(mode_of(tls / "key.pem"), 0600U);
  EXPECT_EQ(mode_of(tls / "cert.pem"), 0644U);
  EXPECT_TRUE(files.generated);
}

// What each of several nodes sharing data_dir ends up serving.
std::set<std::string> concurrent_starts(const fs::path& data, int processes) {
  int gate[2];
  int results[2];
  EXPECT_EQ(::pipe(gate), 0);
  EXPECT_EQ(::pipe(results), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < processes; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(gate[1]);
      char c = 0;
      (void)::read(gate[0], &c, 1); // every child starts when the parent closes the gate
      try {
        const auto files = local(data);
        const std::string line = files.fingerprint + "\n";
        (void)::write(results[1], line.data(), line.size());
        ::_exit(0);
      } catch (...) {
        ::_exit(1);
      }
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  ::close(results[1]);
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a node failed to start";
  }
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(results[0], buf, sizeof buf)) > 0;) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(results[0]);
  std::set<std::string> fingerprints;
  for (std::size_t at = 0, nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1) {
    fingerprints.insert(out.substr(at, nl - at));
  }
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), processes);
  return fingerprints;
}

TEST(TlsCert, NodesStartingAtOnceOnOneDataDirAllServeTheSameValidCertificate) {
  for (int round = 0; round < 3; ++round) {
    test::TempDir dir;
    const auto served = concurrent_starts(dir.path(), 3);
    ASSERT_EQ(served.size(), 1U) << "nodes serve different certificates";
    const auto files = local(dir.path());
    EXPECT_FALSE(files.generated);
    EXPECT_EQ(*served.begin(), files.fingerprint);
    EXPECT_EQ(verify(load(files.cert).get(), load(*files.ca).get()), X509_V_OK);
  }
}

TEST(TlsCert, ThreadsStartingAtOnceAgreeToo) {
  test::TempDir dir;
  std::vector<std::string> seen(3);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = local(dir.path()).fingerprint; });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 1U);
  EXPECT_EQ(seen[0], local(dir.path()).fingerprint);
}

TEST(TlsCert, ConfiguredPairIsUsedAsIsAndNothingIsGenerated) {
  test::TempDir dir;
  const auto made = local(dir.path() / "elsewhere");
  const auto files = ensure_tls_certificate(made.cert, made.key, dir.path() / "data", "localhost");
  EXPECT_FALSE(files.generated);
  EXPECT_FALSE(files.ca);
  EXPECT_EQ(files.cert, made.cert);
  EXPECT_EQ(files.fingerprint, made.fingerprint);
  EXPECT_FALSE(fs::exists(dir.path() / "data" / "tls"));
}

TEST(TlsCert, MismatchedKeyMissingFileAndGarbageAreClearErrors) {
  test::TempDir dir;
  const auto a = local(dir.path() / "a");
  const auto b = local(dir.path() / "b");
  EXPECT_THROW(ensure_tls_certificate(a.cert, b.key, dir.path(), ""), TlsCertError);
  EXPECT_THROW(ensure_tls_certificate(dir.path() / "none.crt", a.key, dir.path(), ""),
               TlsCertError);
  std::ofstream(dir.path() / "garbage.crt") << "not a certificate\n";
  try {
    ensure_tls_certificate(dir.path() / "garbage.crt", a.key, dir.path(), "");
    FAIL() << "garbage accepted";
  } catch (const TlsCertError& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.crt"), std::string::npos) << e.what();
  }
}

TEST(TlsCert, AGarbledGeneratedFileIsReplacedNotFatal) {
  test::TempDir dir;
  const auto first = local(dir.path());
  std::ofstream(first.key) << "garbage";
  const auto again = local(dir.path());
  EXPECT_TRUE(again.generated);
  EXPECT_FALSE(again.ca_generated);
  EXPECT_EQ(mode_of(again.key), 0600U);
}

} // namespace
} // namespace feedpop::gateway
