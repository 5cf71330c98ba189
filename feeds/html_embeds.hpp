#pragma once
// Embedded video as a mail client can show it. Mail clients run no players: an <iframe>
// of a known video site (YouTube, Vimeo, PeerTube, Dailymotion), an <embed> of one, or a
// <video> becomes a link to the video (after the <video>'s fallback content, which stays). With a
// known thumbnail (YouTube's, a <video>'s poster) the link holds it as an ordinary <img> (so
// `images: inline` carries it in the message); without one the link is written empty, <a href="URL"
// data-feedpop-video="TITLE">
// </a>, so that the feed's text stays what feedparser reads (FEED_JSON.md compares text),
// and mail/ gives it the words "▶ Video: URL". Every such link carries
// data-feedpop-video="TITLE" (empty when unknown): mail/'s text rendering writes it as
// "[video: TITLE] URL".
// Other iframes, objects and embeds stay dropped by the sanitiser.

#include <optional>
#include <string>
#include <string_view>

#include "feeds/html.hpp"

namespace feedpop::feeds::html {

// The page a player URL (an iframe's src) shows the video on, and its thumbnail if known.
struct VideoLink {
  std::string url;                      // https://www.youtube.com/watch?v=ID, ...
  std::optional<std::string> thumbnail; // https://i.ytimg.com/vi/ID/hqdefault.jpg
};
std::optional<VideoLink> video_link(std::string_view player_url);

// The sanitiser's hook, fed every tag before the sanitiser sees it. consume() returns
// true for the tokens it takes over (a video iframe or embed with its content, a <video>'s
// own tags), having
// written their replacement to `out`; false leaves the token to the sanitiser.
class EmbedRewriter {
public:
  bool consume(const Token& t, std::string_view base_url, std::string& out);
  // Inside a replaced iframe: its text is dropped too.
  bool skipping() const { return state_ == State::skipping; }

private:
  void finish_video(std::string& out);

  enum class State { idle, skipping, in_video };
  State state_ = State::idle;
  std::string skipping_; // element whose content is skipped after its replacement
  int depth_ = 0;
  std::string poster_, src_, title_; // the <video> being read
};

} // namespace feedpop::feeds::html
