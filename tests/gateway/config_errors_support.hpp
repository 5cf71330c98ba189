#pragma once
// The config tests' error probes: parse_config's message for a text (file name "t.yaml"),
// and an expectation that it points at line:col and says `needle`.

#include <string>

#include <gtest/gtest.h>

#include "gateway/config.hpp"

namespace feedpop::gateway::test {

// "" when the text loads.
inline std::string error_of(const std::string& text) {
  try {
    parse_config(text, "t.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

inline void expect_error(const std::string& text, int line, int col, const std::string& needle) {
  const std::string error = error_of(text);
  const std::string where = "t.yaml:" + std::to_string(line) + ":" + std::to_string(col) + ": ";
  EXPECT_EQ(error.substr(0, where.size()), where) << error;
  EXPECT_NE(error.find(needle), std::string::npos) << "missing '" << needle << "' in: " << error;
}

} // namespace feedpop::gateway::test
