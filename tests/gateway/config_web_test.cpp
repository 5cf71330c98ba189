// feeds.yaml's `web:` section and users' `admin` flag.

#include <string>

#include <gtest/gtest.h>

#include "config_errors_support.hpp"
#include "gateway/config.hpp"

namespace feedpop::gateway {
namespace {

using test::error_of;

TEST(ConfigWeb, DefaultsListenOnLoopbackPlainOnly) {
  const Config config = parse_config("", "/srv/feeds.yaml");
  EXPECT_EQ(config.web.listen, (std::vector<ListenAddress>{{"127.0.0.1", 8080}}));
  EXPECT_TRUE(config.web.tls_listen.empty());
  EXPECT_FALSE(config.web.metrics_token.has_value());
  EXPECT_EQ(config.web.max_connections, 1000U);
}

TEST(ConfigWeb, ReadsEveryKey) {
  const Config config = parse_config(R"(web:
  listen: ["0.0.0.0:8081", "[::1]:8082"]
  tls_listen: "127.0.0.1:8443"
  metrics_token: "0123456789abcdef0"
  limits: {connections: 7}
users:
  ann: {password: x, admin: true}
  bob: {password: y}
)",
                                     "t.yaml");
  EXPECT_EQ(config.web.listen, (std::vector<ListenAddress>{{"0.0.0.0", 8081}, {"::1", 8082}}));
  EXPECT_EQ(config.web.tls_listen, (std::vector<ListenAddress>{{"127.0.0.1", 8443}}));
  EXPECT_EQ(config.web.metrics_token, "0123456789abcdef0");
  EXPECT_EQ(config.web.max_connections, 7U);
  EXPECT_TRUE(config.users.at("ann").admin);
  EXPECT_FALSE(config.users.at("bob").admin);
}

TEST(ConfigWeb, MistakesNameTheirPosition) {
  EXPECT_EQ(error_of("web:\n  metrics_token: short\n").rfind("t.yaml:2:18: ", 0), 0U)
      << error_of("web:\n  metrics_token: short\n");
  EXPECT_NE(error_of("web:\n  metrics_token_env: FEEDPOP_SURELY_UNSET_VARIABLE\n")
                .find("FEEDPOP_SURELY_UNSET_VARIABLE"),
            std::string::npos);
  EXPECT_NE(error_of("web:\n  metrics_token: 0123456789abcdef0\n  metrics_token_env: X\n")
                .find("only one of"),
            std::string::npos);
  EXPECT_EQ(error_of("users:\n  ann: {password: x, admin: maybe}\n").rfind("t.yaml:2:", 0), 0U);
}

} // namespace
} // namespace feedpop::gateway
