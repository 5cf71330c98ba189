// Fuzzes each SASL mechanism's decoder (issue 9): the first input byte picks the
// mechanism, the rest is split at LF into the initial response and continuation responses
// exactly as the session hands them over (already base64-decoded).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "auth/sasl.hpp"
#include "tests/auth/memory_credentials.hpp"

using namespace feedpop::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto store = testing::standard_credentials();
  static const SaslRegistry registry = SaslRegistry::with_defaults();
  if (size == 0) {
    return 0;
  }
  const auto& mechanisms = registry.mechanisms();
  const auto& info = mechanisms[data[0] % mechanisms.size()];
  SaslEnv env{*store, "fuzz.example"};
  auto mechanism = info.create(env);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::optional<std::string_view> response;
  if (!rest.empty() && rest[0] == '=') {
    rest.remove_prefix(1); // no initial response
  } else {
    const auto nl = rest.find('\n');
    response = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  for (int steps = 0; steps < 16; ++steps) {
    const SaslStep step = mechanism->step(response);
    if (step.kind != SaslStep::Kind::Challenge) {
      break;
    }
    const auto nl = rest.find('\n');
    response = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  return 0;
}
