#pragma once
// Warnings about a valid config that is unsafe to serve as it is: `check` prints them,
// `serve` logs them at start and at every reload. They never refuse the config (a demo on
// loopback is fine); they say what to change.
//
// - A user whose password is still the example's (`demo` in feeds.example.yaml, which
//   compose.yaml's instructions copy): anyone who read the README can read that mailbox.
// - A config file holding plaintext passwords (`users.*.password`) that every local user
//   may read (mode o+r).
//
// Threading: pure apart from reading the config file's mode and YAML; callable anywhere.

#include <ostream>
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace feedpop::gateway {

// The password of the users in feeds.example.yaml (a test keeps the two in sync).
inline constexpr const char* example_password = "demo";

// One line per finding, without a "warning:" prefix; empty when there is nothing to say.
std::vector<std::string> config_warnings(const Config& config);

// Writes each of them as "warning: TEXT" lines (`feedpop check`, on stderr).
void print_config_warnings(const Config& config, std::ostream& out);

} // namespace feedpop::gateway
