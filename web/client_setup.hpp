#pragma once
// Mail client self-configuration documents, generated from MailSetup:
// - Thunderbird autoconfig (clientConfig 1.1: the "Autoconfiguration file format" of
//   Mozilla's wiki): one incomingServer type="pop3" per offered port, implicit TLS first;
//   outgoingServer type="smtp" likewise.
// - Outlook autodiscover, POX (responseschema 2006a): Protocol POP3 and SMTP.
// - Apple configuration profile (.mobileconfig): a com.apple.mail.managed payload with POP3
//   in and SMTP out; the password is left to the device.
// Pure functions; every interpolated value is XML-escaped.

#include <optional>
#include <string>
#include <string_view>

#include "web/options.hpp"

namespace feedpop::web {

std::string thunderbird_autoconfig(const MailSetup& mail);

// `request_body`: the POX request (its <EMailAddress> names the account), may be empty.
std::string outlook_autodiscover(const MailSetup& mail, std::string_view email_address);
// The <EMailAddress> of a POX autodiscover request, if any.
std::optional<std::string> autodiscover_email(std::string_view request_body);

std::string apple_mobileconfig(const MailSetup& mail, std::string_view user);

// A name-based UUID (RFC 4122 §4.3 layout, SHA-256 based) so a user's profile keeps its
// PayloadUUID across downloads and the device replaces it instead of adding a second one.
std::string stable_uuid(std::string_view name);

} // namespace feedpop::web
