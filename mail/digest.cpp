#include "mail/digest.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>

#include "common/base64.hpp"
#include "feeds/html.hpp"
#include "mail/body.hpp"
#include "mail/header_encoding.hpp"
#include "mail/transfer_encoding.hpp"

namespace feedpop::mail {

namespace {

using feeds::html::escape;

// Per entry beyond its content: headings, meta line, TOC line, MIME overhead.
constexpr std::size_t item_overhead = 1024;

// A mail-address local part and Message-ID label from a store key (".digest/feed/lwn"):
// the address atom without the leading dashes its dots become.
std::string digest_atom(std::string_view key) {
  std::string out = atom_of(key);
  out.erase(0, out.find_first_not_of('-'));
  return out.empty() ? std::string("digest") : out;
}

std::size_t estimated_size(const DigestItem& item) {
  std::size_t size = item_overhead + item.title.size() * 3 + item.link.size() * 2;
  // Quoted-printable grows text by up to a third in practice; base64 by 4/3 plus CRLFs.
  size += (item.html.size() + item.text.size()) * 4 / 3;
  for (const InlineImage& image : item.images) {
    size += base64::encoded_lines_size(image.bytes.size()) + 256;
  }
  return size;
}

// Parts of at most part_size estimated bytes; an entry larger than that is a part alone.
std::vector<std::vector<const DigestItem*>> split(const std::vector<const DigestItem*>& items,
                                                  std::size_t part_size) {
  std::vector<std::vector<const DigestItem*>> parts(1);
  std::size_t size = 0;
  for (const DigestItem* item : items) {
    const std::size_t s = estimated_size(*item);
    if (!parts.back().empty() && size + s > part_size) {
      parts.emplace_back();
      size = 0;
    }
    parts.back().push_back(item);
    size += s;
  }
  return parts;
}

std::string meta_text(const DigestItem& item, bool show_feed) {
  std::string meta = show_feed ? item.feed_title : std::string();
  if (!item.author.empty() && item.author != item.feed_title) {
    meta += (meta.empty() ? "" : " \xC2\xB7 ") + item.author;
  }
  meta += (meta.empty() ? "" : " \xC2\xB7 ") + readable_date(item.date);
  return meta;
}

struct Part {
  const std::vector<const DigestItem*>& items;
  const DigestOptions& options;
  std::string subject;
  std::size_t first_number; // entries are numbered across parts
};

bool new_group(const Part& p, std::size_t i) {
  return p.options.group_by_feed && (i == 0 || p.items[i - 1]->feed_key != p.items[i]->feed_key);
}

std::string html_body(const Part& p) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n</head>\n"
      "<body style=\"font-family:sans-serif\">\n<h1 id=\"contents\"><a name=\"contents\"></a>{0}"
      "</h1>\n",
      escape(p.subject));
  out += p.options.group_by_feed ? "" : "<ol>\n";
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    const DigestItem& item = *p.items[i];
    if (new_group(p, i)) {
      out += fmt::format("{}<h3>{}</h3>\n<ol start=\"{}\">\n", i == 0 ? "" : "</ol>\n",
                         escape(item.feed_title), p.first_number + i);
    }
    out += fmt::format("<li><a href=\"#entry-{}\">{}</a></li>\n", p.first_number + i,
                       escape(item.title));
  }
  out += "</ol>\n";
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    const DigestItem& item = *p.items[i];
    const std::size_t n = p.first_number + i;
    if (new_group(p, i)) {
      out += fmt::format("<h2 style=\"border-bottom:2px solid #888\">{}</h2>\n",
                         escape(item.feed_title));
    }
    out += fmt::format("<div id=\"entry-{0}\" style=\"margin-top:2em;border-top:1px solid #ccc\">"
                       "\n<h2><a name=\"entry-{0}\"></a>{0}. {1}</h2>\n"
                       "<p style=\"font-size:0.9em;color:#555\">{2}",
                       n, escape(item.title), escape(meta_text(item, !p.options.group_by_feed)));
    if (!item.link.empty()) {
      out += fmt::format("<br>\n<a href=\"{}\">Read the original</a>", escape(item.link));
    }
    out += fmt::format("</p>\n<div>\n{}\n</div>\n<p style=\"font-size:0.8em\">"
                       "<a href=\"#contents\">&uarr; Contents</a></p>\n</div>\n",
                       item.html);
  }
  out += "</body>\n</html>\n";
  return out;
}

std::string text_body(const Part& p) {
  std::string out = p.subject + "\n\nContents\n";
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    if (new_group(p, i)) {
      out += fmt::format("\n{}\n", p.items[i]->feed_title);
    }
    out += fmt::format("{:>4}. {}\n", p.first_number + i, p.items[i]->title);
  }
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    const DigestItem& item = *p.items[i];
    if (new_group(p, i)) {
      out += fmt::format("\n\n=== {} ===\n", item.feed_title);
    }
    out += fmt::format("\n\n{}. {}\n{}\n", p.first_number + i, item.title,
                       meta_text(item, !p.options.group_by_feed));
    if (!item.link.empty()) {
      out += item.link + "\n";
    }
    out += "\n" + item.text;
  }
  return out;
}

// multipart/related (RFC 2387): the HTML, then every image once (entries may share one).
std::string related(const EncodedBody& html, const std::vector<const DigestItem*>& items,
                    const std::string& boundary) {
  std::string out = fmt::format(
      "Content-Type: multipart/related; type=\"text/html\";\r\n boundary=\"{0}\"\r\n\r\n"
      "--{0}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: {1}\r\n\r\n",
      boundary, html.transfer_encoding);
  out += html.text;
  std::set<std::string_view> seen;
  for (const DigestItem* item : items) {
    for (const InlineImage& image : item->images) {
      if (!seen.insert(image.content_id).second) {
        continue;
      }
      out += fmt::format("--{}\r\nContent-Type: {}\r\nContent-Transfer-Encoding: base64\r\n"
                         "Content-ID: <{}>\r\nContent-Disposition: inline\r\n\r\n",
                         boundary, image.type, image.content_id);
      out += base64::encode_lines(image.bytes);
    }
  }
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

std::string render_part(const Part& p, const std::string& identity) {
  const DigestOptions& o = p.options;
  const std::string domain = domain_of(o.hostname);
  std::string out = address_field("From", fit_display_name(normalize_text(o.name + " digest")),
                                  fmt::format("{}@{}", digest_atom(o.key), domain));
  out += unstructured_field("Subject", p.subject);
  out += raw_field("Date", rfc5322_date(o.date));
  out += raw_field("Message-ID", message_id(o.key, identity, o.hostname));
  out += raw_field("List-Id", fmt::format("<{}.{}>", digest_atom(o.key), domain)); // RFC 2919
  out += unstructured_field("X-Entry-ID", identity);
  out += "MIME-Version: 1.0\r\n";
  // "=_" never occurs in quoted-printable or base64 text (RFC 2046 §5.1.1).
  const std::string alternative = "=_feedpop_digest_alternative";
  const std::string related_boundary = "=_feedpop_digest_related";
  const EncodedBody plain = encode_text(text_body(p));
  const EncodedBody html = encode_text(html_body(p));
  out +=
      fmt::format("Content-Type: multipart/alternative;\r\n boundary=\"{}\"\r\n\r\n", alternative);
  out += fmt::format("--{}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: {}\r\n\r\n",
                     alternative, plain.transfer_encoding);
  out += plain.text;
  out += fmt::format("--{}\r\n", alternative);
  const bool images = std::any_of(p.items.begin(), p.items.end(),
                                  [](const DigestItem* i) { return !i->images.empty(); });
  if (images) {
    out += related(html, p.items, related_boundary);
  } else {
    out += fmt::format("Content-Type: text/html; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: {}\r\n\r\n",
                       html.transfer_encoding);
    out += html.text;
  }
  out += fmt::format("--{}--\r\n", alternative);
  return out;
}

} // namespace

std::vector<DigestMessage> render_digest(const std::vector<DigestItem>& items,
                                         const DigestOptions& options) {
  if (items.empty()) {
    return {};
  }
  std::vector<const DigestItem*> ordered;
  for (const DigestItem& item : items) {
    ordered.push_back(&item);
  }
  if (options.group_by_feed) {
    // Feeds in order of their first entry; entries keep their order inside a feed.
    std::map<std::string_view, std::size_t> first;
    for (std::size_t i = 0; i < items.size(); ++i) {
      first.emplace(items[i].feed_key, i);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [&](const auto* a, const auto* b) {
      return first.at(a->feed_key) < first.at(b->feed_key);
    });
  }
  const auto parts = split(ordered, options.part_size);
  std::vector<DigestMessage> out;
  std::size_t number = 1;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string subject = fmt::format("{} digest: {} {}, {}", options.name, items.size(),
                                      items.size() == 1 ? "entry" : "entries", options.date_label);
    std::string identity = options.period;
    if (parts.size() > 1) {
      subject += fmt::format(" ({}/{})", i + 1, parts.size());
      identity += fmt::format("#{}/{}", i + 1, parts.size());
    }
    out.push_back({identity, render_part(Part{parts[i], options, subject, number}, identity)});
    number += parts[i].size();
  }
  return out;
}

} // namespace feedpop::mail
