#include "feeds/dates.hpp"

#include <gtest/gtest.h>

namespace feedpop::feeds {
namespace {

using namespace std::chrono;

sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

struct DateCase {
  const char* text;
  sys_seconds expected;
};

class ReadableDate : public ::testing::TestWithParam<DateCase> {};

TEST_P(ReadableDate, IsNormalisedToUtc) {
  EXPECT_EQ(parse_date(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc822, ReadableDate,
    ::testing::Values(DateCase{"Sun, 06 Nov 1994 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)},
                      DateCase{"06 Nov 1994 08:49:37 +0100", utc(1994, 11, 6, 7, 49, 37)},
                      DateCase{"Thu, 01 Jan 04 12:00:00 PDT", utc(2004, 1, 1, 19, 0, 0)},
                      DateCase{"thu, 01 JAN 2004 12:00 est", utc(2004, 1, 1, 17, 0, 0)},
                      DateCase{"Sun, 06 Nov 1994 08:49:37 GMT+2", utc(1994, 11, 6, 6, 49, 37)},
                      DateCase{"Sun, 06 Nov 1994 08:49:37 CEST", utc(1994, 11, 6, 6, 49, 37)},
                      DateCase{"Sun, 06 Nov 1994 08:49:37 -05:30", utc(1994, 11, 6, 14, 19, 37)},
                      DateCase{"Nov 06 1994 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)},
                      DateCase{"1 Jan 2004", utc(2004, 1, 1, 0, 0, 0)},
                      DateCase{"Sat, 1 Jan 99 00:00:00 Z", utc(1999, 1, 1, 0, 0, 0)},
                      DateCase{"Sat, 1 Jan 89 00:00:00 Z", utc(2089, 1, 1, 0, 0, 0)}));

INSTANTIATE_TEST_SUITE_P(
    Rfc850AndAsctime, ReadableDate,
    ::testing::Values(DateCase{"Sunday, 06-Nov-94 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)},
                      DateCase{"Sun Nov  6 08:49:37 1994", utc(1994, 11, 6, 8, 49, 37)}));

INSTANTIATE_TEST_SUITE_P(
    W3cDtf, ReadableDate,
    ::testing::Values(DateCase{"2003-12-13T18:30:02Z", utc(2003, 12, 13, 18, 30, 2)},
                      DateCase{"2003-12-13T18:30:02.25Z", utc(2003, 12, 13, 18, 30, 2)},
                      DateCase{"2003-12-13T18:30:02+01:00", utc(2003, 12, 13, 17, 30, 2)},
                      DateCase{"2003-12-13T18:30-05:00", utc(2003, 12, 13, 23, 30, 0)},
                      DateCase{"2003-12-13T18:30:02", utc(2003, 12, 13, 18, 30, 2)},
                      DateCase{"2003-12-13 18:30:02 -0800", utc(2003, 12, 14, 2, 30, 2)},
                      DateCase{"2003-12-13", utc(2003, 12, 13, 0, 0, 0)},
                      DateCase{"2003-12", utc(2003, 12, 1, 0, 0, 0)},
                      DateCase{"2003", utc(2003, 1, 1, 0, 0, 0)},
                      DateCase{"20031213T183002Z", utc(2003, 12, 13, 18, 30, 2)}));

INSTANTIATE_TEST_SUITE_P(
    NumericForms, ReadableDate,
    ::testing::Values(DateCase{"2020/1/10 14:33:00", utc(2020, 1, 10, 14, 33, 0)},
                      DateCase{"2020/01/10 14:33", utc(2020, 1, 10, 14, 33, 0)},
                      DateCase{"2020/1/10", utc(2020, 1, 10, 0, 0, 0)},
                      DateCase{"2020/1/10 14:33:00 +0100", utc(2020, 1, 10, 13, 33, 0)},
                      DateCase{"2020/1/10 14:33:00+02:00", utc(2020, 1, 10, 12, 33, 0)},
                      DateCase{"10.01.2020", utc(2020, 1, 10, 0, 0, 0)},
                      DateCase{"10.1.2020 14:33", utc(2020, 1, 10, 14, 33, 0)},
                      DateCase{"10.01.2020 14:33:05 CET", utc(2020, 1, 10, 13, 33, 5)},
                      DateCase{"2020-01-10 14:33", utc(2020, 1, 10, 14, 33, 0)},
                      DateCase{"2020-1-10 14:33 +0530", utc(2020, 1, 10, 9, 3, 0)}));

TEST(UnreadableDate, IsNulloptNeverAGuess) {
  for (const char* s :
       {"", "yesterday", "mer, 16 nov 2022 00:38:15 +0100", "31 Feb 2004", "2004-13-01",
        "Mon, 06 Nov 1994 25:00:00 GMT", "1518478934", "1/10/2020 14:33", "2020/13/10", "10.01.20",
        "2020/1/10 14", "2020/1/10 14:33 nowhere", "32.01.2020"}) {
    EXPECT_EQ(parse_date(s), std::nullopt) << s;
  }
}

TEST(Iso8601Utc, WritesRfc3339InUtcAndReadsBack) {
  EXPECT_EQ(iso8601_utc(utc(2003, 6, 10, 4, 0, 0)), "2003-06-10T04:00:00Z");
  EXPECT_EQ(iso8601_utc(utc(1969, 12, 31, 23, 59, 59)), "1969-12-31T23:59:59Z");
  const sys_seconds t = utc(2024, 2, 29, 13, 7, 9);
  EXPECT_EQ(parse_date(iso8601_utc(t)), t);
}

} // namespace
} // namespace feedpop::feeds
