// SMTP line framing (smtp/line_reader.hpp).
#include <gtest/gtest.h>

#include "smtp/line_reader.hpp"

namespace feedpop::smtp {
namespace {

using Status = LineReader::Status;

TEST(LineReader, LinesSplitAcrossReadsAndPipelined) {
  LineReader r(100);
  r.feed("EHLO a");
  EXPECT_EQ(r.next().status, Status::NeedMore);
  r.feed("\r\nNOOP\r\nQU");
  auto l = r.next();
  ASSERT_EQ(l.status, Status::Line);
  EXPECT_EQ(l.line, "EHLO a");
  EXPECT_FALSE(l.bare_lf);
  l = r.next();
  EXPECT_EQ(l.line, "NOOP");
  EXPECT_EQ(r.next().status, Status::NeedMore);
  EXPECT_EQ(r.buffered(), 2u);
}

TEST(LineReader, BareLfIsReported) {
  LineReader r(100);
  r.feed("a\nb\r\n\n");
  auto l = r.next();
  EXPECT_EQ(l.line, "a");
  EXPECT_TRUE(l.bare_lf);
  l = r.next();
  EXPECT_EQ(l.line, "b");
  EXPECT_FALSE(l.bare_lf);
  l = r.next();
  EXPECT_EQ(l.line, "");
  EXPECT_TRUE(l.bare_lf);
}

TEST(LineReader, TheLimitCountsCrlf) {
  LineReader r(6);
  r.feed("abcd\r\nabcde\r\nx\r\n");
  EXPECT_EQ(r.next().line, "abcd");
  EXPECT_EQ(r.next().status, Status::TooLong);
  EXPECT_EQ(r.next().line, "x");
}

TEST(LineReader, AHugeLineIsReportedOnceAndNotBuffered) {
  LineReader r(1000);
  r.feed(std::string(5000, 'x'));
  EXPECT_EQ(r.next().status, Status::TooLong);
  EXPECT_EQ(r.buffered(), 0u);
  for (int i = 0; i < 100; ++i) {
    r.feed(std::string(100000, 'y')); // 10 MB in all
    EXPECT_EQ(r.next().status, Status::NeedMore);
    EXPECT_EQ(r.buffered(), 0u);
  }
  r.feed("tail\r\nQUIT\r\n");
  const auto l = r.next();
  ASSERT_EQ(l.status, Status::Line);
  EXPECT_EQ(l.line, "QUIT");
}

TEST(LineReader, DiscardDropsPipelinedInput) {
  LineReader r(100);
  r.feed("STARTTLS\r\nMAIL FROM:<a@b>\r\n");
  EXPECT_EQ(r.next().line, "STARTTLS");
  r.discard_buffered();
  EXPECT_EQ(r.next().status, Status::NeedMore);
  EXPECT_EQ(r.buffered(), 0u);
}

} // namespace
} // namespace feedpop::smtp
