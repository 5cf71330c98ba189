#pragma once
// Reads the parser fixtures in tests/feeds/fixtures/ (each named after its quirk).

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <variant>

#include "feeds/parse.hpp"

namespace feedpop::feeds::testing {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(FEEDPOP_SOURCE_DIR) + "/tests/feeds/fixtures/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline Feed parse_ok(std::string_view body, const ParseOptions& options = {}) {
  ParseResult r = parse(body, options);
  if (auto* error = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << "parse failed: " << error->message;
    return {};
  }
  return std::get<Feed>(std::move(r));
}

inline Feed parse_fixture(const std::string& name, const ParseOptions& options = {}) {
  return parse_ok(read_fixture(name), options);
}

} // namespace feedpop::feeds::testing
