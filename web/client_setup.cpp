#include "web/client_setup.hpp"

#include "auth/crypto.hpp"
#include "web/text.hpp"

namespace feedpop::web {

namespace {

struct Server {
  std::string_view host;
  std::uint16_t port;
  bool implicit_tls;
};

// Implicit TLS first (RFC 8314 §3: preferred over STARTTLS).
std::vector<Server> pop3_servers(const MailSetup& m) {
  std::vector<Server> out;
  if (m.pop3s_port != 0) {
    out.push_back({m.pop3_host, m.pop3s_port, true});
  }
  if (m.pop3_port != 0) {
    out.push_back({m.pop3_host, m.pop3_port, false});
  }
  return out;
}

std::vector<Server> smtp_servers(const MailSetup& m) {
  std::vector<Server> out;
  if (m.submissions_port != 0) {
    out.push_back({m.smtp_host, m.submissions_port, true});
  }
  if (m.submission_port != 0) {
    out.push_back({m.smtp_host, m.submission_port, false});
  }
  return out;
}

void thunderbird_server(std::string& out, std::string_view kind, std::string_view type,
                        const Server& s) {
  out += "    <" + std::string(kind) + " type=\"" + std::string(type) + "\">\n";
  out += "      <hostname>" + escape_html(s.host) + "</hostname>\n";
  out += "      <port>" + std::to_string(s.port) + "</port>\n";
  out +=
      std::string("      <socketType>") + (s.implicit_tls ? "SSL" : "STARTTLS") + "</socketType>\n";
  out += "      <username>%EMAILLOCALPART%</username>\n";
  out += "      <authentication>password-cleartext</authentication>\n";
  out += "    </" + std::string(kind) + ">\n";
}

} // namespace

std::string thunderbird_autoconfig(const MailSetup& m) {
  const auto domain = escape_html(m.domain);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<clientConfig version=\"1.1\">\n"
                    "  <emailProvider id=\"" +
                    domain + "\">\n    <domain>" + domain + "</domain>\n" + "    <displayName>" +
                    escape_html(m.display_name) + "</displayName>\n" + "    <displayShortName>" +
                    escape_html(m.display_name) + "</displayShortName>\n";
  for (const auto& s : pop3_servers(m)) {
    thunderbird_server(out, "incomingServer", "pop3", s);
  }
  for (const auto& s : smtp_servers(m)) {
    thunderbird_server(out, "outgoingServer", "smtp", s);
  }
  out += "  </emailProvider>\n</clientConfig>\n";
  return out;
}

std::optional<std::string> autodiscover_email(std::string_view body) {
  static constexpr std::string_view open = "<EMailAddress>";
  static constexpr std::string_view close = "</EMailAddress>";
  const auto a = body.find(open);
  if (a == std::string_view::npos) {
    return std::nullopt;
  }
  const auto b = body.find(close, a + open.size());
  if (b == std::string_view::npos || b - a - open.size() > 320) {
    return std::nullopt;
  }
  return std::string(body.substr(a + open.size(), b - a - open.size()));
}

namespace {

void autodiscover_protocol(std::string& out, std::string_view type, const Server& s,
                           std::string_view login) {
  out += "      <Protocol>\n        <Type>" + std::string(type) + "</Type>\n";
  out += "        <Server>" + escape_html(s.host) + "</Server>\n";
  out += "        <Port>" + std::to_string(s.port) + "</Port>\n";
  out += "        <LoginName>" + escape_html(login) + "</LoginName>\n";
  out += "        <DomainRequired>off</DomainRequired>\n        <SPA>off</SPA>\n";
  // Implicit TLS is <SSL>on</SSL>; STARTTLS is <Encryption>TLS</Encryption>.
  out += s.implicit_tls ? "        <SSL>on</SSL>\n" : "        <Encryption>TLS</Encryption>\n";
  out += "        <AuthRequired>on</AuthRequired>\n      </Protocol>\n";
}

} // namespace

std::string outlook_autodiscover(const MailSetup& m, std::string_view email) {
  const auto at = email.find('@');
  const auto login = email.substr(0, at);
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/"
      "2006\">\n"
      "  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
      "responseschema/2006a\">\n"
      "    <User>\n      <DisplayName>" +
      escape_html(m.display_name) + "</DisplayName>\n    </User>\n" +
      "    <Account>\n      <AccountType>email</AccountType>\n      <Action>settings</Action>\n";
  if (const auto pop = pop3_servers(m); !pop.empty()) {
    autodiscover_protocol(out, "POP3", pop.front(), login);
  }
  if (const auto smtp = smtp_servers(m); !smtp.empty()) {
    autodiscover_protocol(out, "SMTP", smtp.front(), login);
  }
  out += "    </Account>\n  </Response>\n</Autodiscover>\n";
  return out;
}

std::string stable_uuid(std::string_view name) {
  auto h = auth::crypto::sha256(name).substr(0, 16);
  h[6] = static_cast<char>((h[6] & 0x0f) | 0x50); // version 5 layout (name-based)
  h[8] = static_cast<char>((h[8] & 0x3f) | 0x80); // RFC 4122 variant
  auto hex = auth::crypto::hex(h);
  for (auto& c : hex) {
    c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
  }
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20);
}

namespace {

void plist_string(std::string& out, std::string_view key, std::string_view value) {
  out += "      <key>" + std::string(key) + "</key><string>" + escape_html(value) + "</string>\n";
}
void plist_int(std::string& out, std::string_view key, unsigned v) {
  out += "      <key>" + std::string(key) + "</key><integer>" + std::to_string(v) + "</integer>\n";
}
void plist_bool(std::string& out, std::string_view key, bool v) {
  out += "      <key>" + std::string(key) + "</key>" + (v ? "<true/>" : "<false/>") + "\n";
}

// Reverse-DNS identifier parts may hold letters, digits, '-' and '.'.
std::string identifier_part(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    out += ok ? c : '-';
  }
  return out;
}

} // namespace

std::string apple_mobileconfig(const MailSetup& m, std::string_view user) {
  const auto pop = pop3_servers(m);
  const auto smtp = smtp_servers(m);
  const std::string address = std::string(user) + "@" + m.domain;
  const std::string id = "feedpop." + identifier_part(m.domain) + "." + identifier_part(user);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                    "<plist version=\"1.0\">\n<dict>\n  <key>PayloadContent</key>\n  <array>\n"
                    "    <dict>\n";
  plist_string(out, "EmailAccountDescription", m.display_name);
  plist_string(out, "EmailAccountName", user);
  plist_string(out, "EmailAccountType", "EmailTypePOP");
  plist_string(out, "EmailAddress", address);
  if (!pop.empty()) {
    plist_string(out, "IncomingMailServerAuthentication", "EmailAuthPassword");
    plist_string(out, "IncomingMailServerHostName", pop.front().host);
    plist_int(out, "IncomingMailServerPortNumber", pop.front().port);
    plist_bool(out, "IncomingMailServerUseSSL", true);
    plist_string(out, "IncomingMailServerUsername", user);
  }
  if (!smtp.empty()) {
    plist_string(out, "OutgoingMailServerAuthentication", "EmailAuthPassword");
    plist_string(out, "OutgoingMailServerHostName", smtp.front().host);
    plist_int(out, "OutgoingMailServerPortNumber", smtp.front().port);
    plist_bool(out, "OutgoingMailServerUseSSL", true);
    plist_string(out, "OutgoingMailServerUsername", user);
    plist_bool(out, "OutgoingPasswordSameAsIncomingPassword", true);
  }
  plist_string(out, "PayloadDescription", "POP3 and SMTP settings for " + address);
  plist_string(out, "PayloadDisplayName", m.display_name + " mail");
  plist_string(out, "PayloadIdentifier", id + ".mail");
  plist_string(out, "PayloadType", "com.apple.mail.managed");
  plist_string(out, "PayloadUUID", stable_uuid(id + ".mail"));
  plist_int(out, "PayloadVersion", 1);
  out += "    </dict>\n  </array>\n";
  plist_string(out, "PayloadDescription", "Reads feeds as mail from " + m.display_name + ".");
  plist_string(out, "PayloadDisplayName", m.display_name + " (" + address + ")");
  plist_string(out, "PayloadIdentifier", id);
  plist_bool(out, "PayloadRemovalDisallowed", false);
  plist_string(out, "PayloadType", "Configuration");
  plist_string(out, "PayloadUUID", stable_uuid(id));
  plist_int(out, "PayloadVersion", 1);
  out += "</dict>\n</plist>\n";
  return out;
}

} // namespace feedpop::web
