#include "web/sessions.hpp"

#include <set>

#include <gtest/gtest.h>

namespace feedpop::web {
namespace {

TEST(SessionStore, IdsAndTokensAreLongRandomHex) {
  SessionStore store(std::chrono::seconds(60), 100);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto s = store.create("alice");
    EXPECT_EQ(s.id.size(), 64u);
    EXPECT_EQ(s.csrf.size(), 64u);
    EXPECT_EQ(s.id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(seen.insert(s.id).second);
    EXPECT_TRUE(seen.insert(s.csrf).second);
  }
}

TEST(SessionStore, FindReturnsTheSessionUntilErased) {
  SessionStore store(std::chrono::seconds(60), 10);
  const auto s = store.create("alice");
  ASSERT_TRUE(store.find(s.id));
  EXPECT_EQ(store.find(s.id)->user, "alice");
  EXPECT_FALSE(store.find(s.id.substr(0, 63) + "x"));
  store.erase(s.id);
  EXPECT_FALSE(store.find(s.id));
}

TEST(SessionStore, ExpiredSessionsAreNotFound) {
  SessionStore store(std::chrono::seconds(0), 10);
  const auto s = store.create("alice");
  EXPECT_FALSE(store.find(s.id));
}

TEST(SessionStore, AFloodOfSignInFormsEvictsThemBeforeSignedInSessions) {
  SessionStore store(std::chrono::seconds(3600), 8);
  const auto signed_in = store.create("alice");
  for (int i = 0; i < 1000; ++i) {
    store.create({});
  }
  EXPECT_LE(store.size(), 8u);
  EXPECT_TRUE(store.find(signed_in.id));
}

TEST(SessionStore, WhenAllAreSignedInTheOldestGoes) {
  SessionStore store(std::chrono::seconds(3600), 2);
  const auto a = store.create("a");
  const auto b = store.create("b");
  const auto c = store.create("c");
  EXPECT_EQ(store.size(), 2u);
  EXPECT_TRUE(store.find(c.id));
  EXPECT_EQ(static_cast<int>(store.find(a.id).has_value()) +
                static_cast<int>(store.find(b.id).has_value()),
            1);
}

TEST(SessionStore, NoticesAreShownOnce) {
  SessionStore store(std::chrono::seconds(60), 10);
  const auto s = store.create("alice");
  store.set_notice(s.id, "Paused x.");
  EXPECT_EQ(store.take_notice(s.id), "Paused x.");
  EXPECT_EQ(store.take_notice(s.id), "");
}

} // namespace
} // namespace feedpop::web
