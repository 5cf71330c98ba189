#pragma once
// mail::html_to_text's writer (text_rendering.hpp), shared by its two files: the token
// handling in text_rendering.cpp and the paragraph layout in text_layout.cpp. Internal to mail.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feeds/html.hpp"
#include "mail/text_rendering.hpp"

namespace feedpop::mail::text_detail {

using feeds::html::Token;

struct ListLevel {
  bool ordered = false;
  int counter = 0;
  std::string marker; // current item's marker, e.g. "• " or "12. "
  bool marker_pending = false;
};

enum class Break { none = 0, line = 1, blank = 2 };

class TextWriter {
public:
  explicit TextWriter(std::size_t width) : width_(width) {}
  void on_token(const Token& token);
  TextRendering finish();

private:
  void on_text(std::string_view text);
  void append_char(std::string_view ch, bool control);
  void on_start(const Token& token);
  void on_end(std::string_view name);
  static Break break_for(std::string_view name, bool outermost_list);
  static std::string attribute(const Token& token, std::string_view name);
  static bool has_attribute(const Token& token, std::string_view name);
  void on_image(const Token& token);
  void on_video_link(const Token& token);
  void close_link();
  void block_boundary(Break kind);
  std::string quote_prefix(int depth) const;
  std::pair<std::string, std::string> prefixes();
  void emit_break();
  static bool blank_text(std::string_view text);
  void flush();
  void end_line();
  void flush_verbatim(std::string_view text, const std::string& first, const std::string& rest);
  void flush_wrapped(std::string_view text, const std::string& first, const std::string& rest);

  std::size_t width_;
  std::string out_;
  bool last_line_blank_ = false;
  std::string inline_;
  std::string flushing_; // the paragraph flush() is writing out
  bool pending_space_ = false;
  Break pending_break_ = Break::none;
  int quote_ = 0;
  int last_quote_ = 0; // quote depth of the last paragraph written
  int pre_ = 0;
  int hidden_ = 0;
  std::vector<ListLevel> lists_;
  std::string link_href_;
  std::size_t link_start_ = 0;
  std::vector<std::string> references_;
  std::map<std::string, std::size_t> reference_numbers_;
  bool has_markup_ = false;
  bool in_video_link_ = false; // inside <a data-feedpop-video>: its content is not text
};

} // namespace feedpop::mail::text_detail
