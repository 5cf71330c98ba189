#pragma once
// A throw-away server certificate made at test time with the openssl CLI.
#include <filesystem>

namespace feedpop::pop3::testing {

struct TestCertificate {
  std::filesystem::path dir, cert, key;
};
const TestCertificate& test_certificate();     // P-256; generated once per test process
const TestCertificate& test_rsa_certificate(); // RSA 2048, for RSA cipher suites

} // namespace feedpop::pop3::testing
