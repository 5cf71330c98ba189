#include "gateway/logging.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace feedpop::gateway {
namespace {

// RFC 8259 §7: quote, backslash and control characters must be escaped. Bytes ≥ 0x80
// pass through; log messages are UTF-8 (feed titles, user names) or at worst raw bytes.
void append_json_string(std::string_view text, spdlog::memory_buf_t& out) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
    case '"':
      out.append(std::string_view("\\\""));
      break;
    case '\\':
      out.append(std::string_view("\\\\"));
      break;
    case '\n':
      out.append(std::string_view("\\n"));
      break;
    case '\r':
      out.append(std::string_view("\\r"));
      break;
    case '\t':
      out.append(std::string_view("\\t"));
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
      } else {
        out.push_back(c);
      }
    }
  }
  out.push_back('"');
}

class JsonFormatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
    const std::chrono::sys_seconds utc{secs};
    fmt::format_to(std::back_inserter(dest), R"({{"time":"{:%Y-%m-%dT%H:%M:%S}.{:03}Z","level":)",
                   utc, millis);
    const auto level = spdlog::level::to_string_view(msg.level);
    append_json_string(std::string_view(level.data(), level.size()), dest);
    dest.append(std::string_view(R"(,"logger":)"));
    append_json_string(std::string_view(msg.logger_name.data(), msg.logger_name.size()), dest);
    dest.append(std::string_view(R"(,"msg":)"));
    append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.append(std::string_view("}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

spdlog::level::level_enum parse_level(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str answers "off" for anything it does not know; only "off" itself means off.
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level: " + level);
  }
  return parsed;
}

} // namespace

LogStyle log_style_from_option(std::string_view option) {
  if (option == "json") {
    return LogStyle::json;
  }
  return LogStyle::human;
}

std::unique_ptr<spdlog::formatter> make_json_formatter() {
  return std::make_unique<JsonFormatter>();
}

void setup_logging(LogStyle style, const std::string& level) {
  const auto lvl = parse_level(level);
  std::shared_ptr<spdlog::logger> logger;
  if (style == LogStyle::json) {
    logger = std::make_shared<spdlog::logger>("feedpop",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_formatter(make_json_formatter());
  } else {
    // The colour sink colours only when stderr is a terminal (it checks isatty itself).
    logger = std::make_shared<spdlog::logger>(
        "feedpop", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace); // one line per event, visible at once
  spdlog::set_default_logger(std::move(logger));
}

void set_log_level(const std::string& level) {
  spdlog::set_level(parse_level(level));
}

} // namespace feedpop::gateway
