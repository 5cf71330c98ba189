// gateway::listed, the startup and reload log's lists: short lists in full, long ones (a
// hosted gateway's 100,000 feeds) as their first names and a count of the rest.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/serve_options.hpp"

namespace feedpop::gateway {
namespace {

std::vector<std::string> names(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(std::string("f").append(std::to_string(i)));
  }
  return out;
}

TEST(ServeOptionsListed, NoneShortAndLong) {
  EXPECT_EQ(listed({}), "none");
  EXPECT_EQ(listed({"a", "b"}), "a, b");
  const std::string all30 = listed(names(30));
  EXPECT_EQ(all30.rfind("f0, f1, ", 0), 0u);
  EXPECT_NE(all30.find(", f29"), std::string::npos);
  EXPECT_EQ(all30.find("more"), std::string::npos);
  const std::string long_list = listed(names(100000));
  EXPECT_NE(long_list.find(", f29, … and 99970 more"), std::string::npos) << long_list;
  EXPECT_EQ(long_list.find("f30,"), std::string::npos);
  EXPECT_LT(long_list.size(), 400u);
}

} // namespace
} // namespace feedpop::gateway
