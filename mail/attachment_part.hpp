#pragma once
// One enclosure as a MIME part of a multipart/mixed message: RFC 2045 headers, RFC 2183
// Content-Disposition: attachment, the file name as a quoted string when it is plain
// ASCII, else as an RFC 2231 extended parameter (UTF-8, percent-encoded); base64 body.

#include <string>
#include <string_view>

#include "mail/render.hpp"

namespace feedpop::mail {

// The part's headers, blank line and base64 body (CRLF line ends, lines of 76).
std::string attachment_part(const Attachment& attachment);

// `name="value"` or `name*=utf-8''percent-encoded`, for Content-Type's name and
// Content-Disposition's filename. Control characters, quotes, backslashes and path
// separators in the value become "_"; an empty value becomes "attachment".
std::string file_name_parameter(std::string_view name, std::string_view value);

} // namespace feedpop::mail
