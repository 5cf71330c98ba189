#pragma once
// A throw-away server certificate made at test time with the openssl CLI.
#include <filesystem>

namespace feedpop::pop3::testing {

struct TestCertificate {
  std::filesystem::path dir, cert, key;
};
const TestCertificate& test_certificate(); // generated once per test process

} // namespace feedpop::pop3::testing
