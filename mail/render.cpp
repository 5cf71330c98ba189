#include "mail/render.hpp"

#include <openssl/evp.h>

#include <array>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/base64.hpp"
#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"
#include "mail/attachment_part.hpp"
#include "mail/body.hpp"
#include "mail/header_encoding.hpp"
#include "mail/transfer_encoding.hpp"

namespace feedpop::mail {
namespace {

constexpr std::size_t subject_fallback_length = 80; // characters of text when untitled
constexpr std::size_t max_line = 998;               // RFC 5322 §2.1.1

// SHA-256 of the concatenated pieces, as lowercase hex (hashed piece by piece: the
// message bodies are not copied into one buffer first).
std::string sha256_hex(std::initializer_list<std::string_view> pieces) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (const std::string_view piece : pieces) {
    ok = ok && EVP_DigestUpdate(ctx.get(), piece.data(), piece.size()) == 1;
  }
  if (!ok || EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 15];
  }
  return hex;
}

bool plausible(std::chrono::sys_seconds time) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(time)};
  return ymd.year() >= std::chrono::year{1900} && ymd.year() <= std::chrono::year{9999};
}

std::chrono::sys_seconds entry_date(const feeds::Entry& entry, const RenderOptions& options) {
  for (const auto& date : {entry.published, entry.updated}) {
    if (date && plausible(*date)) {
      return *date;
    }
  }
  return plausible(options.first_seen) ? options.first_seen : std::chrono::sys_seconds{};
}

// A URI header (RFC 5064 Archived-At, X-Feed-URL) only when it fits on one line and
// its scheme is one a message may link to (http, https, mailto).
void add_uri_field(std::string& out, std::string_view name, std::string_view url) {
  const std::string uri = uri_for_header(url);
  if (!uri.empty() && feeds::url::has_safe_scheme(uri) &&
      name.size() + uri.size() + 4 <= max_line) {
    out += raw_field(name, "<" + uri + ">");
  }
}

// RFC 2046 §5.1.1: the boundary must not occur in any part. "=_" cannot appear in
// quoted-printable (an invalid escape) nor in base64, so collisions are impossible by
// construction; the check below keeps that true should an encoding ever change.
std::string make_boundary(const std::string& first, const std::string& second) {
  for (int attempt = 0;; ++attempt) {
    const std::string counter = std::to_string(attempt);
    const std::string boundary =
        "=_feedpop_" + sha256_hex({counter, "\n", first, "\n", second}).substr(0, 32);
    const std::string delimiter = "--" + boundary;
    if (first.find(delimiter) == std::string::npos && second.find(delimiter) == std::string::npos) {
      return boundary;
    }
  }
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

// multipart/related (RFC 2387) with its headers: the HTML, then every image.
std::string related_part(const EncodedBody& html, const std::vector<InlineImage>& images) {
  std::vector<std::string> encoded;
  std::string all = html.text;
  for (const InlineImage& image : images) {
    encoded.push_back(base64::encode_lines(image.bytes));
    all += encoded.back();
  }
  const std::string boundary = make_boundary(all, "related");
  std::string out = fmt::format(
      "Content-Type: multipart/related; type=\"text/html\";\r\n boundary=\"{}\"\r\n\r\n", boundary);
  out += fmt::format("--{}\r\nContent-Type: text/html; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: {}\r\n\r\n",
                     boundary, html.transfer_encoding);
  out += html.text;
  for (std::size_t i = 0; i < images.size(); ++i) {
    out += fmt::format("--{}\r\nContent-Type: {}\r\nContent-Transfer-Encoding: base64\r\n"
                       "Content-ID: <{}>\r\nContent-Disposition: inline\r\n\r\n",
                       boundary, images[i].type, images[i].content_id);
    out += encoded[i];
  }
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

// The entry with the update note as the first paragraph of its text (content, else
// summary, else alone). The note is escaped, so the HTML stays as safe as it was.
feeds::Entry with_update_note(const feeds::Entry& entry, const std::string& note) {
  feeds::Entry out = entry;
  auto& html = out.content_html ? out.content_html : out.summary_html;
  const std::string paragraph =
      "<p><em>" + feeds::html::escape("Changed since the last mail: " + note) + "</em></p>\n";
  html = paragraph + html.value_or("");
  return out;
}

std::string part_headers(std::string_view type, const EncodedBody& body) {
  return fmt::format("Content-Type: {}; charset=utf-8\r\nContent-Transfer-Encoding: {}\r\n", type,
                     body.transfer_encoding);
}

// The message's body entity (its Content-* headers, a blank line, the content): text/plain
// alone, or multipart/alternative with the HTML (multipart/related when images are inline).
std::string body_entity(const feeds::Entry& entry, const FeedInfo& feed,
                        const RenderOptions& options) {
  EnclosureNotes notes = options.enclosure_notes;
  for (const Attachment& attachment : options.attachments) {
    notes[attachment.url] = "attached: " + attachment.filename;
  }
  const BodyParts parts =
      options.update_note
          ? render_body(with_update_note(entry, *options.update_note), feed,
                        entry_date(entry, options), options.html_sanitized, notes)
          : render_body(entry, feed, entry_date(entry, options), options.html_sanitized, notes);
  std::string out;
  const EncodedBody plain = encode_text(parts.plain);
  if (!parts.html) {
    out += part_headers("text/plain", plain);
    out += "\r\n";
    out += plain.text;
    return out;
  }
  std::string html_source = std::move(*parts.html);
  for (const InlineImage& image : options.images) {
    replace_all(html_source, "src=\"" + image.url + "\"", "src=\"cid:" + image.content_id + "\"");
  }
  const EncodedBody html = encode_text(html_source);
  const std::string related =
      options.images.empty() ? std::string() : related_part(html, options.images);
  const std::string boundary = make_boundary(plain.text, related.empty() ? html.text : related);
  out += fmt::format("Content-Type: multipart/alternative;\r\n boundary=\"{}\"\r\n", boundary);
  out += "\r\n";
  // RFC 2046 §5.1.4: the last part is the preferred one, so the HTML comes second.
  out.reserve(out.size() + plain.text.size() + html.text.size() + 4 * boundary.size() + 256);
  for (const auto& [type, part] :
       {std::pair{"text/plain", &plain}, std::pair{"text/html", &html}}) {
    out += "--";
    out += boundary;
    out += "\r\n";
    if (!related.empty() && part == &html) {
      out += related;
      continue;
    }
    out += part_headers(type, *part);
    out += "\r\n";
    out += part->text;
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

} // namespace

std::string subject_text(const feeds::Entry& entry) {
  if (entry.title) {
    if (std::string title = normalize_text(*entry.title); !title.empty()) {
      return title;
    }
  }
  const auto& html = entry.summary_html ? entry.summary_html : entry.content_html;
  if (html) {
    const std::string text = normalize_text(feeds::html::to_text(*html));
    if (!text.empty()) {
      // Cut at a word boundary; whole characters only.
      std::size_t cut = 0;
      std::size_t chars = 0;
      for (std::size_t i = 0; i < text.size() && chars < subject_fallback_length; ++chars) {
        i += utf8::scan(text, i).length;
        if (i == text.size() || text[i] == ' ') {
          cut = i;
        }
      }
      if (cut == text.size()) {
        return text;
      }
      if (cut == 0) {
        return "(no title)";
      }
      return text.substr(0, cut) + "\xE2\x80\xA6";
    }
  }
  return "(no title)";
}

namespace {

// "Author (Feed title)" as fit_display_name() keeps it. When it must be shortened, the
// feed title is cut (whole characters, "…" added) inside its parentheses, so the closing
// one is never lost; only when the author alone is too long does the plain cut apply.
std::string author_with_feed(const std::string& author, const std::string& title) {
  const std::string whole = author + " (" + title + ")";
  std::string fitted = fit_display_name(whole);
  if (fitted == whole) {
    return fitted;
  }
  std::string cut = title;
  while (!cut.empty()) {
    std::size_t end = cut.size() - 1;
    while (end > 0 && (static_cast<unsigned char>(cut[end]) & 0xC0) == 0x80) {
      --end; // back to the first byte of the last character
    }
    cut.resize(end);
    while (!cut.empty() && cut.back() == ' ') {
      cut.pop_back();
    }
    const std::string candidate = author + " (" + cut + "\xE2\x80\xA6)";
    if (!cut.empty() && fit_display_name(candidate) == candidate) {
      return candidate;
    }
  }
  return fitted;
}

} // namespace

std::string from_display_name(const feeds::Entry& entry, const FeedInfo& feed) {
  const std::string title = feed.title ? normalize_text(*feed.title) : std::string();
  // The entry's own author, else the one its (Atom) feed names for all entries.
  const auto& who = entry.author ? entry.author : entry.feed_author;
  const std::string author = who ? normalize_text(*who) : std::string();
  std::string name;
  if (!author.empty() && !title.empty() && author != title) {
    return author_with_feed(author, title);
  } else if (!title.empty()) {
    name = title;
  } else if (!author.empty()) {
    name = author;
  } else {
    name = feed.key;
  }
  return fit_display_name(normalize_text(name));
}

std::string message_id(const std::string& feed_key, const std::string& identity,
                       const std::string& hostname) {
  // The hash keeps the id-left a valid dot-atom whatever the identity holds (RFC 5322
  // §3.6.4); the key makes it readable. Same (key, identity) → same Message-ID, forever.
  const std::string hash =
      sha256_hex({feed_key, std::string_view("\0", 1), identity}).substr(0, 32);
  return fmt::format("<{}.{}@{}>", hash, atom_of(feed_key), domain_of(hostname));
}

std::string render(const feeds::Entry& entry, const FeedInfo& feed, const RenderOptions& options) {
  const std::string domain = domain_of(options.hostname);
  std::string out;
  out += address_field("From", from_display_name(entry, feed),
                       fmt::format("{}@{}", atom_of(feed.key), domain));
  out += unstructured_field("Subject", options.update_note ? "Updated: " + subject_text(entry)
                                                           : subject_text(entry));
  out += raw_field("Date", rfc5322_date(entry_date(entry, options)));
  out += raw_field("Message-ID", message_id(feed.key, options.identity, options.hostname));
  if (options.in_reply_to) {
    // RFC 5322 §3.6.4: an updated entry threads under its earlier version.
    out += raw_field("In-Reply-To", *options.in_reply_to);
    out += raw_field("References", *options.in_reply_to);
  }
  out += raw_field("List-Id", fmt::format("<{}.{}>", atom_of(feed.key), domain)); // RFC 2919
  if (entry.link) {
    add_uri_field(out, "Archived-At", *entry.link); // RFC 5064
  }
  add_uri_field(out, "X-Feed-URL", feed.url);
  if (const std::string id = normalize_text(options.identity); !id.empty()) {
    out += unstructured_field("X-Entry-ID", id);
  }
  if (!options.keywords.empty()) {
    out += unstructured_field("Keywords", fmt::format("{}", fmt::join(options.keywords, ", ")));
  }
  out += "MIME-Version: 1.0\r\n";

  std::string body = body_entity(entry, feed, options);
  if (options.attachments.empty()) {
    out += body;
    return out;
  }
  // RFC 2046 §5.1.3: the body first, then the enclosures, in the order they are listed.
  std::vector<std::string> parts;
  std::string all = body;
  for (const Attachment& attachment : options.attachments) {
    parts.push_back(attachment_part(attachment));
    all += parts.back();
  }
  const std::string boundary = make_boundary(all, "mixed");
  out += fmt::format("Content-Type: multipart/mixed;\r\n boundary=\"{}\"\r\n\r\n", boundary);
  out += fmt::format("--{}\r\n", boundary);
  out += body;
  for (const std::string& part : parts) {
    out += fmt::format("--{}\r\n", boundary);
    out += part;
  }
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

} // namespace feedpop::mail
