#include "tests/pop3/tls_support.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace feedpop::pop3::testing {

namespace {

// A self-signed certificate naming localhost and 127.0.0.1, made with `newkey`.
TestCertificate make_certificate(const std::string& newkey) {
  char tmpl[] = "/tmp/feedpop-pop3-tls-XXXXXX";
  const char* dir = ::mkdtemp(tmpl);
  if (dir == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  TestCertificate c;
  c.dir = dir;
  c.cert = c.dir / "cert.pem";
  c.key = c.dir / "key.pem";
  const std::string cmd = "openssl req -x509 -newkey " + newkey +
                          " -nodes -days 2 -subj /CN=localhost -addext "
                          "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1 -keyout " +
                          c.key.string() + " -out " + c.cert.string() + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    throw std::runtime_error("openssl req failed: " + cmd);
  }
  return c;
}

} // namespace

const TestCertificate& test_certificate() {
  static const TestCertificate cert = make_certificate("ec -pkeyopt ec_paramgen_curve:prime256v1");
  return cert;
}

const TestCertificate& test_rsa_certificate() {
  static const TestCertificate cert = make_certificate("rsa:2048");
  return cert;
}

} // namespace feedpop::pop3::testing
