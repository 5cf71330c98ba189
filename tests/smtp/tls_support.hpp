#pragma once
// A throw-away server certificate made at test time with the openssl CLI, and a server
// TLS context for it (TLS 1.2 and later, as the gateway configures).
#include <filesystem>
#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace feedpop::smtp::testing {

struct TestCertificate {
  std::filesystem::path dir, cert, key;
};
const TestCertificate& test_certificate(); // generated once per test process
std::shared_ptr<boost::asio::ssl::context> server_tls_context();

} // namespace feedpop::smtp::testing
