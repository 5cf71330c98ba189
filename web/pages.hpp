#pragma once
// The HTML pages: server-rendered, no JavaScript, one stylesheet (/style.css), no external
// resources. Every interpolated value goes through escape_html. Pure functions.

#include <string>
#include <string_view>

#include "web/options.hpp"
#include "web/status_source.hpp"

namespace feedpop::web {

// The sign-in form; `error` (plain text) is shown above it when not empty.
std::string login_page(std::string_view csrf, std::string_view error);

// The signed-in user's page: their feeds (with actions on user-added ones), the subscribe
// form, an admin's view of every feed and user, and the mail client settings.
std::string status_page(const Overview& overview, const MailSetup& mail, std::string_view csrf,
                        std::string_view notice);

// A small page for errors (403, 404, ...).
std::string message_page(std::string_view title, std::string_view text);

std::string_view stylesheet();

} // namespace feedpop::web
