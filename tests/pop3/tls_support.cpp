#include "tests/pop3/tls_support.hpp"

#include <cstdlib>
#include <stdexcept>

namespace feedpop::pop3::testing {

const TestCertificate& test_certificate() {
  static const TestCertificate cert = [] {
    char tmpl[] = "/tmp/feedpop-pop3-tls-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    TestCertificate c;
    c.dir = dir;
    c.cert = c.dir / "cert.pem";
    c.key = c.dir / "key.pem";
    // A self-signed P-256 certificate naming localhost and 127.0.0.1 (fast to generate).
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1 "
        "-keyout " +
        c.key.string() + " -out " + c.cert.string() + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("openssl req failed: " + cmd);
    }
    return c;
  }();
  return cert;
}

} // namespace feedpop::pop3::testing
