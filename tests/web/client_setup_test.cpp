#include "web/client_setup.hpp"

#include <gtest/gtest.h>

namespace feedpop::web {
namespace {

MailSetup setup() {
  MailSetup m;
  m.domain = "example.test";
  m.pop3_host = "pop.example.test";
  m.pop3_port = 110;
  m.pop3s_port = 995;
  m.smtp_host = "smtp.example.test";
  m.submission_port = 587;
  return m;
}

TEST(ClientSetup, AutoconfigListsPop3sThenStarttlsAndSmtp) {
  const auto xml = thunderbird_autoconfig(setup());
  EXPECT_NE(xml.find("<clientConfig version=\"1.1\">"), std::string::npos);
  EXPECT_NE(xml.find("<emailProvider id=\"example.test\">"), std::string::npos);
  const auto ssl = xml.find("<port>995</port>\n      <socketType>SSL</socketType>");
  const auto starttls = xml.find("<port>110</port>\n      <socketType>STARTTLS</socketType>");
  ASSERT_NE(ssl, std::string::npos) << xml;
  ASSERT_NE(starttls, std::string::npos) << xml;
  EXPECT_LT(ssl, starttls);
  EXPECT_NE(xml.find("<outgoingServer type=\"smtp\">"), std::string::npos);
  EXPECT_NE(xml.find("<authentication>password-cleartext</authentication>"), std::string::npos);
  EXPECT_NE(xml.find("<username>%EMAILLOCALPART%</username>"), std::string::npos);
}

TEST(ClientSetup, ValuesAreXmlEscaped) {
  auto m = setup();
  m.display_name = "<Feeds & \"co\">";
  const auto xml = thunderbird_autoconfig(m);
  EXPECT_NE(xml.find("&lt;Feeds &amp; &quot;co&quot;&gt;"), std::string::npos);
  EXPECT_EQ(xml.find("<Feeds"), std::string::npos);
}

TEST(ClientSetup, AutodiscoverNamesTheLoginFromTheRequestAddress) {
  const auto email = autodiscover_email("<Autodiscover><Request><EMailAddress>alice@example.test</"
                                        "EMailAddress></Request></Autodiscover>");
  ASSERT_EQ(email, "alice@example.test");
  const auto xml = outlook_autodiscover(setup(), *email);
  EXPECT_NE(xml.find("responseschema/2006a"), std::string::npos);
  EXPECT_NE(xml.find("<Type>POP3</Type>"), std::string::npos);
  EXPECT_NE(xml.find("<Port>995</Port>"), std::string::npos);
  EXPECT_NE(xml.find("<Type>SMTP</Type>"), std::string::npos);
  EXPECT_NE(xml.find("<Encryption>TLS</Encryption>"), std::string::npos); // 587 is STARTTLS
  EXPECT_NE(xml.find("<LoginName>alice</LoginName>"), std::string::npos);
  EXPECT_EQ(autodiscover_email("<EMailAddress>unterminated"), std::nullopt);
}

TEST(ClientSetup, MobileconfigHasStableUuidsAndNoPassword) {
  const auto a = apple_mobileconfig(setup(), "alice");
  EXPECT_EQ(a, apple_mobileconfig(setup(), "alice"));
  EXPECT_NE(a, apple_mobileconfig(setup(), "bob"));
  EXPECT_NE(a.find("<string>com.apple.mail.managed</string>"), std::string::npos);
  EXPECT_NE(a.find("<key>IncomingMailServerPortNumber</key><integer>995</integer>"),
            std::string::npos);
  EXPECT_EQ(a.find("Password</key><string>"), std::string::npos);
}

TEST(ClientSetup, StableUuidHasTheRfc4122Layout) {
  const auto u = stable_uuid("x");
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[8], '-');
  EXPECT_EQ(u[14], '5');
  EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'A' || u[19] == 'B') << u;
  EXPECT_NE(u, stable_uuid("y"));
}

} // namespace
} // namespace feedpop::web
