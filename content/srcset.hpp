#pragma once
// srcset (HTML Living Standard §4.8.4.3, "parse a srcset attribute") and the choice of the
// one image a message carries: the candidate closest to a 1200 px wide view, the width a
// mail client's reading pane or a phone's screen at 2x shows at most.
//
// Pure functions, no I/O; callable from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::content {

// Candidates narrower or wider than this are worse by their distance from it.
inline constexpr long srcset_target_width = 1200;

struct SrcsetCandidate {
  std::string url;           // as written (not resolved)
  std::optional<long> width; // a "480w" descriptor
  double density = 1;        // a "2x" descriptor; 1 without one (and with a width)
};

// The well-formed candidates in order. A candidate with a malformed or contradictory
// descriptor ("0w", "1.5w", "-2x", "2x 100w", "big") is dropped, as a browser drops it;
// a URL may contain commas ("a.jpg?resize=800,600 800w").
std::vector<SrcsetCandidate> parse_srcset(std::string_view srcset);

// The width attribute as pixels ("600", "600px"), or nullopt ("", "100%", "auto").
std::optional<long> html_length_pixels(std::string_view width_attribute);

// The URL an <img src srcset width> shows at `target` px: among candidates whose width is
// known (a `w` descriptor, or an `x` density times the width attribute; `src` itself
// counts as 1x when the width attribute is known) the one closest to `target`, the wider
// one on a tie, the first one of equal widths. Without any known width `src` is the 1x
// image and is kept; without `src` the candidate whose density is closest to 1x is taken.
// Returns `src` when srcset has no usable candidate.
std::string pick_image_source(std::string_view src, std::string_view srcset,
                              std::optional<long> width_attribute,
                              long target = srcset_target_width);

} // namespace feedpop::content
