#include "mail/header_encoding.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "mime_decode_support.hpp"

namespace feedpop::mail {
namespace {

using test::crlf_lines;
using test::decode_unstructured;
using test::is_valid_utf8;

// The body after "Name:" of a single rendered field.
std::string field_body(const std::string& field, std::string_view name) {
  EXPECT_TRUE(field.starts_with(std::string(name) + ":")) << field;
  EXPECT_TRUE(field.ends_with("\r\n")) << field;
  return field.substr(name.size() + 1, field.size() - name.size() - 3);
}

void expect_well_formed(const std::string& field) {
  for (const auto& line : crlf_lines(field)) {
    EXPECT_LE(line.size(), 76u) << "line too long: " << line;
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u < 0x7F) << "non-ASCII or control byte in header: " << field;
    }
  }
  EXPECT_EQ(field.find('\n'), field.find("\r\n") + 1) << "bare LF";
  // Every encoded-word holds whole characters: it decodes to valid UTF-8 on its own.
  static const std::regex word(R"(=\?UTF-8\?[BQ]\?[^?]*\?=)");
  for (auto it = std::sregex_iterator(field.begin(), field.end(), word);
       it != std::sregex_iterator(); ++it) {
    EXPECT_LE(it->str().size(), 75u) << it->str();
    EXPECT_TRUE(is_valid_utf8(decode_unstructured(it->str()))) << "split character: " << it->str();
  }
}

std::string round_trip(std::string_view text) {
  const std::string field = unstructured_field("Subject", text);
  expect_well_formed(field);
  return decode_unstructured(field_body(field, "Subject"));
}

TEST(NormalizeText, CollapsesWhiteSpaceAndControlsAndTrims) {
  EXPECT_EQ(normalize_text("  Hello,\t\r\n  world \x01 again\x7F "), "Hello, world again");
  EXPECT_EQ(normalize_text("a\xC2\x85"
                           "b"),
            "a b"); // U+0085 NEL, a C1 control
  EXPECT_EQ(normalize_text("a\xE2\x80\xA8"
                           "b"),
            "a b"); // U+2028 LINE SEPARATOR
  EXPECT_EQ(normalize_text(""), "");
}

TEST(NormalizeText, KeepsNoBreakSpaceAndReplacesInvalidUtf8) {
  EXPECT_EQ(normalize_text("a\xC2\xA0"
                           "b"),
            "a\xC2\xA0"
            "b");
  EXPECT_EQ(normalize_text("caf\xE9"), "caf\xEF\xBF\xBD");
  EXPECT_EQ(normalize_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
  EXPECT_EQ(normalize_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong
  // A truncated sequence is one character (U+FFFD per maximal subpart, common/utf8.hpp).
  EXPECT_EQ(normalize_text("\xE2\x82 x \xF0\x9F\x98"), "\xEF\xBF\xBD x \xEF\xBF\xBD");
}

TEST(UnstructuredField, PlainAsciiStaysReadable) {
  EXPECT_EQ(unstructured_field("Subject", "Hello, world (part 2)"),
            "Subject: Hello, world (part 2)\r\n");
}

TEST(UnstructuredField, LongAsciiTitleFoldsAtSpacesAndUnfoldsBack) {
  const std::string title =
      "This is a rather long entry title that certainly will not fit on a single header "
      "line of seventy-eight columns, so it has to be folded twice or more";
  const std::string field = unstructured_field("Subject", title);
  EXPECT_GE(crlf_lines(field).size(), 3u);
  EXPECT_EQ(field.find("=?"), std::string::npos) << "ASCII words need no encoding";
  EXPECT_EQ(round_trip(title), title);
}

TEST(UnstructuredField, NonAsciiWordIsEncodedAndNeighboursStayPlain) {
  const std::string field = unstructured_field("Subject", "Le café de Paris");
  EXPECT_EQ(field, "Subject: Le =?UTF-8?B?Y2Fmw6k=?= de Paris\r\n");
  EXPECT_EQ(round_trip("Le café de Paris"), "Le café de Paris");
}

TEST(UnstructuredField, AdjacentNonAsciiWordsShareOneRunWithTheirSpaces) {
  EXPECT_EQ(round_trip("Grüße aus Köln über München"), "Grüße aus Köln über München");
  EXPECT_EQ(round_trip("Привет мир как дела"), "Привет мир как дела");
}

TEST(UnstructuredField, PicksTheShorterEncoding) {
  EXPECT_EQ(unstructured_field("Subject", "Zürich-Hauptbahnhof-Abfahrtszeiten"),
            "Subject: =?UTF-8?Q?Z=C3=BCrich-Hauptbahnhof-Abfahrtszeiten?=\r\n");
  EXPECT_NE(unstructured_field("Subject", "日本語のタイトル").find("?B?"), std::string::npos);
}

TEST(UnstructuredField, LongCjkTitleIsSplitBetweenCharactersOnly) {
  std::string title;
  for (int i = 0; i < 40; ++i) {
    title += "漢字かな";
  }
  const std::string field = unstructured_field("Subject", title);
  EXPECT_GE(crlf_lines(field).size(), 5u);
  EXPECT_EQ(round_trip(title), title);
}

TEST(UnstructuredField, EmojiAndMixedScriptsRoundTrip) {
  const std::string title = "🎉 Release 2.0 — نسخة جديدة — 新版本 — Новая версия "
                            "👩‍💻🇫🇷 "
                            "done";
  EXPECT_EQ(round_trip(title), title);
  std::string emoji;
  for (int i = 0; i < 50; ++i) {
    emoji += "👩‍👩‍👧‍👦";
  }
  EXPECT_EQ(round_trip(emoji), emoji);
}

TEST(UnstructuredField, WordLongerThanALineIsEncodedAndFolded) {
  const std::string word(150, 'x');
  const std::string title = "see " + word + " here";
  const std::string field = unstructured_field("Subject", title);
  EXPECT_NE(field.find("=?UTF-8?"), std::string::npos);
  EXPECT_EQ(round_trip(title), title);
}

TEST(UnstructuredField, TextThatLooksLikeAnEncodedWordIsEncoded) {
  const std::string title = "Why =?UTF-8?Q?x?= is not decoded";
  const std::string field = unstructured_field("Subject", title);
  EXPECT_EQ(field.find("=?UTF-8?Q?x?="), std::string::npos);
  EXPECT_EQ(round_trip(title), title);
}

TEST(FitDisplayName, KeepsNamesThatFitInOneEncodedWordPerRun) {
  EXPECT_EQ(fit_display_name("Jürgen Müller (Beispiel Blog)"), "Jürgen Müller (Beispiel Blog)");
  EXPECT_EQ(fit_display_name("Jane Doe"), "Jane Doe");
}

TEST(FitDisplayName, CutsAnOverlongEncodedRunWithAnEllipsis) {
  std::string name;
  for (int i = 0; i < 30; ++i) {
    name += "日本";
  }
  const std::string fitted = fit_display_name(name + " (Blog)");
  EXPECT_TRUE(fitted.ends_with("…")) << fitted;
  EXPECT_LT(fitted.size(), name.size());
  EXPECT_TRUE(is_valid_utf8(fitted));
  EXPECT_EQ(fit_display_name(fitted), fitted) << "fitting is idempotent";
}

TEST(AddressField, AtomsStayPlainAndSpecialsAreQuoted) {
  EXPECT_EQ(address_field("From", "Jane Doe", "blog@feedpop.localhost"),
            "From: Jane Doe <blog@feedpop.localhost>\r\n");
  EXPECT_EQ(address_field("From", "Jane Doe (Example Blog)", "b@h"),
            "From: Jane Doe \"(Example Blog)\" <b@h>\r\n");
  EXPECT_EQ(address_field("From", "Say \"hi\" \\o/", "b@h"),
            "From: Say \"\\\"hi\\\" \\\\o/\" <b@h>\r\n");
  EXPECT_EQ(address_field("From", "", "b@h"), "From: <b@h>\r\n");
}

TEST(AddressField, NonAsciiNameIsOneEncodedWordPerRun) {
  const std::string field = address_field("From", "Jürgen Müller (Blog)", "b@h");
  expect_well_formed(field);
  const std::regex word(R"(=\?UTF-8\?[BQ]\?[^?]*\?=)");
  EXPECT_EQ(
      std::distance(std::sregex_iterator(field.begin(), field.end(), word), std::sregex_iterator()),
      1);
  EXPECT_NE(field.find("\"(Blog)\""), std::string::npos);
}

TEST(AddressField, AnEncodedRunIsNeverSplitEvenLateInTheLine) {
  // Python's email package keeps the space between adjacent encoded-words in a phrase and
  // RFC 2047 §6.2 clients drop it, so splitting a run would decode differently.
  const std::string name =
      fit_display_name("Quite A Few Plain Words Before Новости Оренбурга и области / Раздел");
  const std::string field = address_field("From", name, "b@h");
  expect_well_formed(field);
  const std::regex word(R"(=\?UTF-8\?[BQ]\?[^?]*\?=)");
  std::size_t words = 0;
  for (auto it = std::sregex_iterator(field.begin(), field.end(), word);
       it != std::sregex_iterator(); ++it) {
    ++words;
  }
  EXPECT_EQ(words, 1u) << field;
  EXPECT_TRUE(name.ends_with("…")) << name;
}

TEST(AddressField, LongNamesFoldBetweenWords) {
  const std::string name = fit_display_name(
      "Someone With A Very Long Name Indeed (A Blog About Many Things, Mostly Ünïcödé Text)");
  const std::string field = address_field("From", name, "key@feedpop.localhost");
  expect_well_formed(field);
  EXPECT_GE(crlf_lines(field).size(), 2u);
}

TEST(Rfc5322Date, FormatsUtcWithWeekday) {
  using namespace std::chrono;
  EXPECT_EQ(rfc5322_date(sys_seconds{}), "Thu, 01 Jan 1970 00:00:00 +0000");
  const sys_seconds t = sys_days{year{2026} / November / 27} + hours{16} + minutes{5} + seconds{7};
  EXPECT_EQ(rfc5322_date(t), "Fri, 27 Nov 2026 16:05:07 +0000");
  const sys_seconds leap = sys_days{year{2024} / February / 29} + hours{23} + minutes{59};
  EXPECT_EQ(rfc5322_date(leap), "Thu, 29 Feb 2024 23:59:00 +0000");
}

TEST(UriForHeader, PercentEncodesWhatAngleBracketsCannotHold) {
  EXPECT_EQ(uri_for_header("https://example.com/a b?q=\"x\"&r=<y>"),
            "https://example.com/a%20b?q=%22x%22&r=%3Cy%3E");
  EXPECT_EQ(uri_for_header("https://example.com/café"), "https://example.com/caf%C3%A9");
  EXPECT_EQ(uri_for_header("https://example.com/?a=%20"), "https://example.com/?a=%20");
}

} // namespace
} // namespace feedpop::mail
