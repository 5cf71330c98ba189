// feeds.yaml's `storage:` section: the PostgreSQL connection pool's size.

#include <string>

#include <gtest/gtest.h>

#include "config_errors_support.hpp"
#include "gateway/config.hpp"

namespace feedpop::gateway {
namespace {

using test::error_of;

const std::string postgresql = "storage:\n  backend: postgresql\n  postgresql:\n    url: "
                               "\"host=db dbname=feedpop\"\n";

TEST(ConfigStorage, PoolSizeDefaultsToFourAndIsRead) {
  EXPECT_EQ(parse_config(postgresql, "t.yaml").storage.pool_size, 4u);
  EXPECT_EQ(parse_config(postgresql + "    pool_size: 12\n", "t.yaml").storage.pool_size, 12u);
  EXPECT_EQ(parse_config(postgresql + "    pool_size: 1\n", "t.yaml").storage.pool_size, 1u);
}

TEST(ConfigStorage, APoolSizeOutOfRangeOrNotANumberIsRefusedWithItsPosition) {
  for (const std::string bad : {"0", "1001", "-2", "four", "2.5"}) {
    const std::string error = error_of(postgresql + "    pool_size: " + bad + "\n");
    EXPECT_EQ(error.rfind("t.yaml:5:16: ", 0), 0u) << bad << ": " << error;
    EXPECT_NE(error.find("pool_size"), std::string::npos) << bad << ": " << error;
  }
}

} // namespace
} // namespace feedpop::gateway
