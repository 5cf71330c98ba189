#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>
#include <spdlog/spdlog.h>

#include "gateway/logging.hpp"

namespace feedpop::gateway {
namespace {

std::string format_json(const std::string& text, spdlog::level::level_enum level) {
  const auto f = make_json_formatter();
  spdlog::details::log_msg msg(spdlog::source_loc{}, "feedpop", level, text);
  spdlog::memory_buf_t out;
  f->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(Logging, JsonLinesAreOneParseableObjectPerLine) {
  const std::string tricky = "feed \"lwn\": 3 new\nsecond line\t\\ \x01 caf\xc3\xa9";
  const auto line = format_json(tricky, spdlog::level::warn);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a raw newline would split the record";
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("msg"), tricky);
  EXPECT_EQ(j.at("level"), "warning");
  EXPECT_EQ(j.at("logger"), "feedpop");
  const std::string time = j.at("time");
  EXPECT_EQ(time.size(), std::string("2026-01-31T12:00:00.123Z").size()) << time;
  EXPECT_EQ(time.back(), 'Z');
}

TEST(Logging, StyleOptionAndLevels) {
  EXPECT_EQ(log_style_from_option("json"), LogStyle::json);
  EXPECT_EQ(log_style_from_option("human"), LogStyle::human);
  EXPECT_EQ(log_style_from_option("auto"), LogStyle::human);
  EXPECT_NO_THROW(setup_logging(LogStyle::json, "debug"));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  EXPECT_NO_THROW(set_log_level("warn"));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
  EXPECT_THROW(set_log_level("loud"), std::invalid_argument);
  EXPECT_NO_THROW(setup_logging(LogStyle::human, "info"));
}

} // namespace
} // namespace feedpop::gateway
