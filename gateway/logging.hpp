#pragma once
// Process-wide logging (spdlog's default logger, to stderr). Two formats: a human one
// (coloured on a terminal) and JSON lines for log collectors (`--log-format json`).
// Every module logs through spdlog's default logger, so this one call configures all.
// Never log a password or a SASL exchange: callers pass user names only.

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

namespace feedpop::gateway {

enum class LogStyle { human, json };

// "auto" → human (colours when stderr is a terminal); "human"; "json".
LogStyle log_style_from_option(std::string_view option);

// Installs the default logger. `level` is a spdlog level name ("info", "debug", ...);
// an unknown name throws std::invalid_argument.
void setup_logging(LogStyle style, const std::string& level);

// Changes the level of the default logger (live config reload of `log_level`).
void set_log_level(const std::string& level);

// One JSON object per line: {"time":"2026-01-31T12:00:00.123Z","level":"info",
// "logger":"feedpop","msg":"..."}; time is UTC, msg is JSON-escaped (RFC 8259 §7).
std::unique_ptr<spdlog::formatter> make_json_formatter();

} // namespace feedpop::gateway
