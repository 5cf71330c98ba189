// The TLS cipher policy of pop3::make_tls_context, checked with a real OpenSSL client over
// loopback: TLS 1.2 only with ECDHE key exchange and AEAD ciphers, and TLS 1.3. No CBC,
// no SHA-1 MACs, no static RSA key exchange (RFC 9325 §4.2).
#include <gtest/gtest.h>

#include "tests/pop3/server_support.hpp"

namespace feedpop::pop3 {
namespace {

using testing::Client;
using testing::Running;

// An RSA certificate: with one, a server without a policy accepts the legacy RSA suites.
Running rsa_server() {
  return Running({}, true, testing::test_rsa_certificate());
}

TEST(TlsPolicy, RefusesCbcWithSha1OverTls12) {
  auto r = rsa_server();
  Client c(r.tls_port);
  EXPECT_THROW(c.start_tls(TLS1_2_VERSION, "AES128-SHA"), boost::system::system_error);
  Client ecdhe(r.tls_port);
  EXPECT_THROW(ecdhe.start_tls(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA"),
               boost::system::system_error);
}

TEST(TlsPolicy, RefusesRsaKeyExchangeEvenWithAnAeadCipher) {
  auto r = rsa_server();
  Client c(r.tls_port);
  EXPECT_THROW(c.start_tls(TLS1_2_VERSION, "AES128-GCM-SHA256"), boost::system::system_error);
}

TEST(TlsPolicy, AcceptsEcdheWithAesGcmOverTls12) {
  auto r = rsa_server();
  Client c(r.tls_port);
  c.start_tls(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(c.cipher(), "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(c.line().rfind("+OK feedpop ready.", 0), 0u);
}

TEST(TlsPolicy, AcceptsTls13AndStlsUsesTheSamePolicy) {
  auto r = rsa_server();
  Client c(r.tls_port);
  c.start_tls();
  EXPECT_EQ(c.cipher().rfind("TLS_", 0), 0u) << c.cipher();
  EXPECT_EQ(c.line().rfind("+OK feedpop ready.", 0), 0u);
  Client stls(r.port);
  stls.line();
  EXPECT_EQ(stls.say("STLS"), "+OK Begin TLS negotiation now.");
  EXPECT_THROW(stls.start_tls(TLS1_2_VERSION, "AES128-SHA"), boost::system::system_error);
}

TEST(TlsPolicy, EcdsaCertificatesGetEcdheEcdsaSuites) {
  Running r;
  Client c(r.tls_port);
  c.start_tls(TLS1_2_VERSION);
  EXPECT_EQ(c.cipher().rfind("ECDHE-ECDSA-", 0), 0u) << c.cipher();
}

} // namespace
} // namespace feedpop::pop3
