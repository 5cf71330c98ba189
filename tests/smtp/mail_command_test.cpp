// Commands by mail (smtp/mail_command.hpp): what users write to feedpop@HOST.
#include <gtest/gtest.h>

#include "smtp/mail_command.hpp"

namespace feedpop::smtp {
namespace {

using Kind = MailCommand::Kind;

std::string mail(std::string_view subject, std::string_view body,
                 std::string_view extra_headers = "") {
  return "From: alice@example.org\r\nTo: feedpop@test.example\r\nSubject: " + std::string(subject) +
         "\r\nMessage-ID: <m1@example.org>\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(body);
}

TEST(MailCommand, SubscribeWithKeyAndTags) {
  const auto m = parse_command_mail(
      mail("", "subscribe https://example.org/feed.xml as ex tag news tech\r\n"));
  ASSERT_EQ(m.commands.size(), 1u);
  EXPECT_TRUE(m.errors.empty());
  const auto& c = m.commands[0];
  EXPECT_EQ(c.kind, Kind::Subscribe);
  EXPECT_EQ(c.url, "https://example.org/feed.xml");
  EXPECT_EQ(c.key, "ex");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"news", "tech"}));
  EXPECT_EQ(c.line, "subscribe https://example.org/feed.xml as ex tag news tech");
  EXPECT_EQ(m.message_id, "<m1@example.org>");
}

TEST(MailCommand, TheSubjectHoldsACommandEvenBehindReplyPrefixes) {
  const auto m = parse_command_mail(mail("Re: Fwd: LIST", "Thanks!\r\n"));
  ASSERT_EQ(m.commands.size(), 1u);
  EXPECT_EQ(m.commands[0].kind, Kind::List);
  EXPECT_TRUE(m.errors.empty());
  EXPECT_EQ(m.subject, "Re: Fwd: LIST");
}

TEST(MailCommand, AnOrdinarySubjectIsIgnored) {
  const auto m = parse_command_mail(mail("my feeds", "pause lwn\r\nresume ex\r\n"));
  ASSERT_EQ(m.commands.size(), 2u);
  EXPECT_EQ(m.commands[0].kind, Kind::Pause);
  EXPECT_EQ(m.commands[0].key, "lwn");
  EXPECT_EQ(m.commands[1].kind, Kind::Resume);
  EXPECT_TRUE(m.errors.empty());
}

TEST(MailCommand, CommandsEndAtTheFirstOtherLineAndQuotesAndSignaturesAreSkipped) {
  const auto m = parse_command_mail(mail("", "\r\n\r\nunsubscribe lwn\r\n> subscribe "
                                             "https://quoted.example/\r\n\r\nhelp\r\nThanks, "
                                             "Alice\r\nlist\r\n"));
  ASSERT_EQ(m.commands.size(), 2u);
  EXPECT_EQ(m.commands[0].kind, Kind::Unsubscribe);
  EXPECT_EQ(m.commands[1].kind, Kind::Help);
  const auto s = parse_command_mail(mail("", "export\r\n-- \r\nlist\r\n"));
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(s.commands[0].kind, Kind::Export);
}

TEST(MailCommand, MalformedCommandsGiveAnErrorPerLineAndTheRestStillCounts) {
  const auto m = parse_command_mail(mail("", "subscribe\r\nsubscribe ftp://x/feed\r\n"
                                             "unsubscribe a b\r\npause ..bad\r\nlist all\r\n"
                                             "subscribe http://ok.example/ as\r\n"
                                             "subscribe http://ok.example/ tag\r\n"
                                             "subscribe http://ok.example/ extra\r\n"
                                             "list\r\n"));
  ASSERT_EQ(m.errors.size(), 8u);
  EXPECT_EQ(m.errors[0].line, "subscribe");
  EXPECT_NE(m.errors[0].message.find("needs a feed or web page URL"), std::string::npos);
  EXPECT_NE(m.errors[1].message.find("'ftp://x/feed' is not an http:// or https:// URL"),
            std::string::npos);
  EXPECT_NE(m.errors[2].message.find("unsubscribe needs exactly one feed key"), std::string::npos);
  EXPECT_NE(m.errors[3].message.find("invalid feed key '..bad'"), std::string::npos);
  EXPECT_EQ(m.errors[4].message, "list takes no arguments");
  EXPECT_NE(m.errors[5].message.find("'as' needs a feed key"), std::string::npos);
  EXPECT_NE(m.errors[6].message.find("'tag' needs at least one tag"), std::string::npos);
  EXPECT_NE(m.errors[7].message.find("unexpected 'extra'"), std::string::npos);
  ASSERT_EQ(m.commands.size(), 1u);
  EXPECT_EQ(m.commands[0].kind, Kind::List);
}

TEST(MailCommand, AngleBracketedUrlsAndMixedCaseWordsAreAccepted) {
  const auto m =
      parse_command_mail(mail("", "Subscribe <http://Example.org/rss> AS Ex TAGS a\r\n"));
  ASSERT_EQ(m.commands.size(), 1u) << (m.errors.empty() ? "" : m.errors[0].message);
  EXPECT_EQ(m.commands[0].url, "http://Example.org/rss");
  EXPECT_EQ(m.commands[0].key, "Ex");
  EXPECT_EQ(m.commands[0].tags, std::vector<std::string>{"a"});
}

TEST(MailCommand, QuotedPrintableAndFlowedBodiesAreDecoded) {
  const std::string body = "subscribe https://example.org/a=\r\nb/feed as =\r\nkey tag one \r\n"
                           "two\r\n";
  const auto m =
      parse_command_mail(mail("", body,
                              "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n"));
  ASSERT_EQ(m.commands.size(), 1u) << (m.errors.empty() ? "" : m.errors[0].message);
  EXPECT_EQ(m.commands[0].url, "https://example.org/ab/feed");
  EXPECT_EQ(m.commands[0].key, "key");
  EXPECT_EQ(m.commands[0].tags, (std::vector<std::string>{"one", "two"}));
}

TEST(MailCommand, EncodedWordSubjectsAreDecoded) {
  const auto m = parse_command_mail(mail("=?UTF-8?B?bGlzdA==?=", ""));
  EXPECT_EQ(m.subject, "list");
  ASSERT_EQ(m.commands.size(), 1u);
  const auto q = parse_command_mail(mail("=?utf-8?q?pause_lwn?=", ""));
  ASSERT_EQ(q.commands.size(), 1u);
  EXPECT_EQ(q.commands[0].key, "lwn");
}

std::string multipart_with_opml(std::string_view text, std::string_view opml_headers,
                                std::string_view opml_body) {
  return "Subject: import\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
         "preamble\r\n--outer\r\n"
         "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
         "--inner\r\nContent-Type: text/plain\r\n\r\n" +
         std::string(text) +
         "\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--inner--\r\n"
         "--outer\r\n" +
         std::string(opml_headers) + "\r\n" + std::string(opml_body) + "\r\n--outer--\r\n";
}

TEST(MailCommand, ImportFindsTheOpmlAttachmentInNestedMultipart) {
  const auto m = parse_command_mail(multipart_with_opml(
      "help",
      "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
      "filename=\"Feeds.OPML\"\r\nContent-Transfer-Encoding: base64\r\n",
      "PG9wbWwv\r\nPg==")); // "<opml/>"
  ASSERT_TRUE(m.opml.has_value());
  EXPECT_EQ(*m.opml, "<opml/>");
  EXPECT_EQ(m.opml_name, "Feeds.OPML");
  ASSERT_EQ(m.commands.size(), 2u);
  EXPECT_EQ(m.commands[0].kind, Kind::Import);
  EXPECT_EQ(m.commands[1].kind, Kind::Help);
  EXPECT_TRUE(m.errors.empty());
}

TEST(MailCommand, ImportWithoutAnAttachmentIsAnError) {
  const auto m = parse_command_mail(mail("import", ""));
  EXPECT_TRUE(m.commands.empty());
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_NE(m.errors[0].message.find("needs an OPML file attached"), std::string::npos);
}

TEST(MailCommand, TooManyCommandsAreCappedWithOneError) {
  std::string body;
  for (int i = 0; i < 80; ++i) {
    body += "list\r\n";
  }
  const auto m = parse_command_mail(mail("", body));
  EXPECT_EQ(m.commands.size(), max_mail_commands);
  ASSERT_EQ(m.errors.size(), 1u);
}

TEST(MailCommand, FeedKeysFollowTheConfigRule) {
  EXPECT_TRUE(is_valid_feed_key("lwn"));
  EXPECT_TRUE(is_valid_feed_key("a.b_c-d"));
  EXPECT_FALSE(is_valid_feed_key(""));
  EXPECT_FALSE(is_valid_feed_key(".a"));
  EXPECT_FALSE(is_valid_feed_key("a."));
  EXPECT_FALSE(is_valid_feed_key("a..b"));
  EXPECT_FALSE(is_valid_feed_key("a b"));
  EXPECT_FALSE(is_valid_feed_key("a@b"));
  EXPECT_FALSE(is_valid_feed_key(std::string(65, 'a')));
  EXPECT_TRUE(is_valid_feed_key(std::string(64, 'a')));
}

TEST(MailCommand, ABodyWithoutHeadersOrBlankLineStillParses) {
  EXPECT_TRUE(parse_command_mail("").commands.empty());
  const auto m = parse_command_mail("Subject: x\r\n");
  EXPECT_TRUE(m.commands.empty());
  EXPECT_TRUE(m.errors.empty());
}

} // namespace
} // namespace feedpop::smtp
