// Prints every configuration key the loader accepts, one per line (dotted paths such as
// "pop3.limits.per_address", "feeds.*.url"). Used by the packaging test that checks
// feeds.yaml(5) documents each of them.
#include <iostream>

#include "gateway/config.hpp"

int main() {
  for (const auto& key : feedpop::gateway::config_keys()) {
    std::cout << key << '\n';
  }
  return 0;
}
