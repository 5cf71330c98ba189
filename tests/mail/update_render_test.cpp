// The message of an updated entry (RenderOptions::update_note): "Updated:" subject, threading
// headers naming the original, and the note above the new content in both parts.
#include <gtest/gtest.h>

#include "mail/render.hpp"
#include "mime_decode_support.hpp"

namespace feedpop::mail {
namespace {

using test::decode_quoted_printable;
using test::decode_unstructured;
using test::header_fields;

feeds::Entry post() {
  feeds::Entry e;
  e.id = "tag:example.com,2024:post-1";
  e.title = "Grüße & news";
  e.link = "https://example.com/posts/1";
  e.published = std::chrono::sys_days{std::chrono::year{2024} / 3 / 5};
  e.content_html = "<p>The new text of the post.</p>";
  return e;
}

const FeedInfo feed{"example", std::string("Example Blog"), "https://example.com/feed.xml",
                    std::nullopt};

RenderOptions update_options() {
  RenderOptions o;
  o.hostname = "mail.example.net";
  o.identity = "id:tag:example.com,2024:post-1#v0123456789abcdef";
  o.in_reply_to = message_id("example", "id:tag:example.com,2024:post-1", o.hostname);
  o.update_note = "Title was: <Old> title; 3 words added, 1 removed";
  return o;
}

// The decoded body of the part with this content type (the message's only part or one of
// a multipart/alternative), quoted-printable as render() writes text.
std::string part(const std::string& message, const std::string& type) {
  const std::size_t at = message.find("Content-Type: " + type);
  if (at == std::string::npos) {
    return {};
  }
  const std::size_t start = message.find("\r\n\r\n", at) + 4;
  std::size_t end = message.find("\r\n--=_feedpop_", start);
  end = end == std::string::npos ? message.size() : end + 2;
  return decode_quoted_printable(message.substr(start, end - start));
}

TEST(UpdateRender, SubjectSaysUpdatedAndTheMessageThreadsUnderTheOriginal) {
  const std::string m = render(post(), feed, update_options());
  const auto h = header_fields(m);
  EXPECT_EQ(decode_unstructured(h.at("Subject")), "Updated: Grüße & news");
  const std::string original =
      message_id("example", "id:tag:example.com,2024:post-1", "mail.example.net");
  EXPECT_EQ(h.at("In-Reply-To"), " " + original);
  EXPECT_EQ(h.at("References"), " " + original);
  EXPECT_NE(h.at("Message-ID"), " " + original);
}

TEST(UpdateRender, TheNoteOpensBothPartsAboveTheNewContent) {
  const std::string m = render(post(), feed, update_options());
  const std::string plain = part(m, "text/plain");
  // The text part is wrapped at 72 columns: the note's start is on one line.
  const std::string note = "Changed since the last mail: Title was: <Old> title; 3 words";
  ASSERT_NE(plain.find(note), std::string::npos) << plain;
  EXPECT_LT(plain.find(note), plain.find("The new text of the post."));
  const std::string html = part(m, "text/html");
  const std::size_t at = html.find("Title was: &lt;Old&gt; title"); // escaped, never markup
  ASSERT_NE(at, std::string::npos) << html;
  EXPECT_LT(at, html.find("The new text of the post."));
}

TEST(UpdateRender, APlainTextSummaryGetsTheNoteToo) {
  feeds::Entry e = post();
  e.content_html.reset();
  e.summary_html = "Just a line of text";
  const std::string plain = part(render(e, feed, update_options()), "text/plain");
  EXPECT_NE(plain.find("Changed since the last mail:"), std::string::npos) << plain;
  EXPECT_NE(plain.find("Just a line of text"), std::string::npos) << plain;
}

TEST(UpdateRender, WithoutANoteNothingChanges) {
  RenderOptions o = update_options();
  o.update_note.reset();
  const std::string m = render(post(), feed, o);
  EXPECT_EQ(decode_unstructured(header_fields(m).at("Subject")), "Grüße & news");
  EXPECT_EQ(m.find("Changed since"), std::string::npos);
}

} // namespace
} // namespace feedpop::mail
