#include "tests/smtp/tls_support.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

namespace feedpop::smtp::testing {

const TestCertificate& test_certificate() {
  static const TestCertificate cert = [] {
    char tmpl[] = "/tmp/feedpop-smtp-tls-XXXXXX";
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

std::shared_ptr<boost::asio::ssl::context> server_tls_context() {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain_file(test_certificate().cert.string());
  ctx->use_private_key_file(test_certificate().key.string(), ssl::context::pem);
  return ctx;
}

} // namespace feedpop::smtp::testing
