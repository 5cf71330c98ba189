#include <gtest/gtest.h>

#include "pop3/multiline_writer.hpp"

namespace feedpop::pop3 {
namespace {

// Feeds `data` in pieces of `step` octets.
std::string write_all(MultilineWriter w, std::string_view data, std::size_t step) {
  std::string out;
  for (std::size_t pos = 0; pos < data.size(); pos += step) {
    if (!w.write(data.substr(pos, step), out)) {
      break;
    }
  }
  w.finish(out);
  return out;
}

const std::string message = "Subject: x\r\n\r\n.a\r\nb\r\n..\r\n.\r\nlast\r\n";

TEST(MultilineWriter, StuffsLeadingDotsAtAnyChunkBoundary) {
  const std::string expected = "Subject: x\r\n\r\n..a\r\nb\r\n...\r\n..\r\nlast\r\n.\r\n";
  for (std::size_t step = 1; step <= message.size(); ++step) {
    EXPECT_EQ(write_all(MultilineWriter(), message, step), expected) << step;
  }
}

TEST(MultilineWriter, TopCountsBodyLinesAtAnyChunkBoundary) {
  for (std::size_t step = 1; step <= message.size(); ++step) {
    EXPECT_EQ(write_all(MultilineWriter(0), message, step), "Subject: x\r\n\r\n.\r\n");
    EXPECT_EQ(write_all(MultilineWriter(2), message, step), "Subject: x\r\n\r\n..a\r\nb\r\n.\r\n");
    EXPECT_EQ(write_all(MultilineWriter(99999999), message, step),
              write_all(MultilineWriter(), message, step));
  }
}

TEST(MultilineWriter, TerminatesAMessageWithoutFinalLineEnd) {
  EXPECT_EQ(write_all(MultilineWriter(), "A: b\r\n\r\nno end", 4), "A: b\r\n\r\nno end\r\n.\r\n");
}

TEST(MultilineWriter, HeadersOnlyMessageIsWholeForTop) {
  EXPECT_EQ(write_all(MultilineWriter(0), "A: b\r\nC: d\r\n", 3), "A: b\r\nC: d\r\n.\r\n");
}

} // namespace
} // namespace feedpop::pop3
