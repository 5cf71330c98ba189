// Fuzzes the feeds.yaml loader: any text is a Config or a ConfigError, nothing else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "gateway/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)feedpop::gateway::parse_config(text, "fuzz.yaml");
  } catch (const feedpop::gateway::ConfigError&) {
  }
  return 0;
}
