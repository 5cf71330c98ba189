#include <gtest/gtest.h>

#include "pop3/line_reader.hpp"

namespace feedpop::pop3 {
namespace {

using Status = LineReader::Status;

TEST(LineReader, NeedsMoreUntilALineEndArrives) {
  LineReader r;
  r.feed("STA");
  EXPECT_EQ(r.next().status, Status::NeedMore);
  r.feed("T\r");
  EXPECT_EQ(r.next().status, Status::NeedMore);
  r.feed("\n");
  const auto res = r.next();
  ASSERT_EQ(res.status, Status::Line);
  EXPECT_EQ(res.line, "STAT");
  EXPECT_EQ(r.next().status, Status::NeedMore);
}

TEST(LineReader, ReturnsPipelinedLinesInOrderAndToleratesBareLf) {
  LineReader r;
  r.feed("USER a\r\nPASS b\nSTAT\r\nLI");
  EXPECT_EQ(r.next().line, "USER a");
  EXPECT_EQ(r.next().line, "PASS b");
  EXPECT_EQ(r.next().line, "STAT");
  EXPECT_EQ(r.next().status, Status::NeedMore);
  EXPECT_EQ(r.buffered(), 2u);
}

TEST(LineReader, AcceptsExactly255OctetsWithCrlfAndRefusesOneMore) {
  LineReader r;
  r.feed(std::string(253, 'a') + "\r\n" + std::string(254, 'b') + "\r\nNOOP\r\n");
  EXPECT_EQ(r.next().status, Status::Line);
  EXPECT_EQ(r.next().status, Status::TooLong);
  EXPECT_EQ(r.next().line, "NOOP");
}

TEST(LineReader, ReportsAnEndlessLineOnceAndResynchronisesAtItsEnd) {
  LineReader r;
  r.feed(std::string(300, 'x'));
  EXPECT_EQ(r.next().status, Status::TooLong);
  r.feed(std::string(5000, 'x'));
  EXPECT_EQ(r.next().status, Status::NeedMore);
  EXPECT_LE(r.buffered(), 300u); // the tail is dropped, not kept in memory
  r.feed("yyy\r\nQUIT\r\n");
  const auto res = r.next();
  ASSERT_EQ(res.status, Status::Line);
  EXPECT_EQ(res.line, "QUIT");
}

TEST(LineReader, SaslLimitAllowsLongerLines) {
  LineReader r;
  r.set_limit(sasl_line_limit);
  r.feed(std::string(4000, 'Q') + "\r\n");
  EXPECT_EQ(r.next().status, Status::Line);
}

TEST(LineReader, DiscardBufferedDropsPipelinedBytes) {
  LineReader r;
  r.feed("STLS\r\nUSER evil\r\n");
  EXPECT_EQ(r.next().line, "STLS");
  r.discard_buffered();
  EXPECT_EQ(r.next().status, Status::NeedMore);
  EXPECT_EQ(r.buffered(), 0u);
}

} // namespace
} // namespace feedpop::pop3
