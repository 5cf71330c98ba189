#include "feeds/html_embeds.hpp"

#include <algorithm>

#include "common/ascii.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::html {

namespace {

struct UrlParts {
  std::string origin; // scheme://host[:port], lower case
  std::string host;   // lower case, no port or user info
  std::string_view path;
  std::string_view query;
};

std::optional<UrlParts> split(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string scheme = ascii::lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const auto host_end = std::min(rest.find_first_of("/?"), rest.size());
  std::string_view authority = rest.substr(0, host_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  UrlParts p;
  p.host = ascii::lower(authority.substr(0, authority.find(':')));
  p.origin = scheme + "://" + ascii::lower(authority);
  std::string_view tail = rest.substr(host_end);
  const auto q = tail.find('?');
  p.path = tail.substr(0, q);
  p.query = q == std::string_view::npos ? std::string_view() : tail.substr(q + 1);
  const bool host_ok =
      !p.host.empty() &&
      std::all_of(p.origin.begin() + static_cast<long>(scheme.size()) + 3, p.origin.end(),
                  [](char c) { return ascii::is_alnum(c) || c == '-' || c == '.' || c == ':'; });
  return host_ok ? std::optional(p) : std::nullopt;
}

// The first path segment after `prefix`, if it is a plausible video id.
std::optional<std::string> id_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) {
    return std::nullopt;
  }
  std::string_view id = path.substr(prefix.size());
  id = id.substr(0, id.find_first_of("/&"));
  const bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return ascii::is_alnum(c) || c == '-' || c == '_';
  });
  return ok ? std::optional(std::string(id)) : std::nullopt;
}

// The value of `name` in a query string ("list=PL..&index=2").
std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::string_view pair = query.substr(0, query.find('&'));
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return id_after(pair, std::string(name) + "=");
    }
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
  }
  return std::nullopt;
}

bool host_is(const std::string& host, std::string_view domain) {
  return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                            host[host.size() - domain.size() - 1] == '.');
}

std::string attribute(const Token& t, std::string_view name) {
  for (const auto& [key, value] : t.attrs) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

// A title a reader learns something from: players' generic ones are left out.
std::string useful_title(std::string title) {
  title = std::string(ascii::trim(title));
  const std::string l = ascii::lower(title);
  if (l.empty() || l == "youtube video player" || l == "vimeo video player" ||
      l == "embedded content" || l == "video" || l == "iframe") {
    return {};
  }
  return title;
}

void write_link(std::string& out, const std::string& url, const std::optional<std::string>& thumb,
                const std::string& title) {
  const std::string shown = title.empty() ? std::string("Video") : title;
  out += "<a href=\"";
  escape_into(out, url);
  out += "\" data-feedpop-video=\"";
  escape_into(out, title);
  out += "\">";
  if (thumb) {
    out += "<img src=\"";
    escape_into(out, *thumb);
    out += "\" alt=\"\xE2\x96\xB6 ";
    escape_into(out, shown);
    out += "\" />";
  }
  out += "</a>"; // without a thumbnail, empty: see the header
}

} // namespace

std::optional<VideoLink> video_link(std::string_view player_url) {
  const auto p = split(player_url);
  if (!p) {
    return std::nullopt;
  }
  if (host_is(p->host, "youtube.com") || host_is(p->host, "youtube-nocookie.com")) {
    if (p->path == "/embed/videoseries") {
      if (auto list = query_value(p->query, "list")) {
        return VideoLink{"https://www.youtube.com/playlist?list=" + *list, std::nullopt};
      }
      return std::nullopt;
    }
    auto id = id_after(p->path, "/embed/");
    if (!id) {
      id = id_after(p->path, "/v/");
    }
    if (id) {
      return VideoLink{"https://www.youtube.com/watch?v=" + *id,
                       "https://i.ytimg.com/vi/" + *id + "/hqdefault.jpg"};
    }
    return std::nullopt;
  }
  if (p->host == "player.vimeo.com") {
    if (auto id = id_after(p->path, "/video/")) {
      return VideoLink{"https://vimeo.com/" + *id, std::nullopt};
    }
    return std::nullopt;
  }
  if (host_is(p->host, "dailymotion.com")) {
    if (auto id = id_after(p->path, "/embed/video/")) {
      return VideoLink{"https://www.dailymotion.com/video/" + *id, std::nullopt};
    }
    return std::nullopt;
  }
  // PeerTube instances live on any host; their embed path is the tell.
  if (auto id = id_after(p->path, "/videos/embed/")) {
    return VideoLink{p->origin + "/videos/watch/" + *id, std::nullopt};
  }
  return std::nullopt;
}

bool EmbedRewriter::consume(const Token& t, std::string_view base_url, std::string& out) {
  if (state_ == State::skipping) {
    if (t.name == skipping_ && t.kind == Token::Kind::start_tag && !t.self_closing) {
      ++depth_;
    } else if (t.name == skipping_ && t.kind == Token::Kind::end_tag && --depth_ == 0) {
      state_ = State::idle;
    }
    return true;
  }
  if (state_ == State::in_video) {
    // The fallback content stays (the sanitiser's as for any element, and as feedparser
    // reads it); the link follows it.
    if (t.kind == Token::Kind::start_tag && t.name == "source" && src_.empty()) {
      src_ = url::resolve(base_url, attribute(t, "src"));
    } else if (t.kind == Token::Kind::end_tag && t.name == "video") {
      finish_video(out);
      return true;
    }
    return false;
  }
  if (t.kind != Token::Kind::start_tag) {
    return false;
  }
  if (t.name == "iframe" || t.name == "embed") {
    std::string src = attribute(t, "src");
    if (src.starts_with("//")) {
      src.insert(0, "https:"); // players are served over https
    }
    const auto link = video_link(url::resolve(base_url, src));
    if (!link) {
      return false;
    }
    write_link(out, link->url, link->thumbnail, useful_title(attribute(t, "title")));
    if (t.name == "iframe" && !t.self_closing) {
      state_ = State::skipping;
      skipping_ = t.name;
      depth_ = 1;
    }
    return true;
  }
  if (t.name == "video") {
    const auto resolved = [&](const char* name) {
      const std::string v = attribute(t, name);
      return v.empty() ? v : url::resolve(base_url, v);
    };
    poster_ = resolved("poster");
    src_ = resolved("src");
    title_ = useful_title(attribute(t, "title").empty() ? attribute(t, "aria-label")
                                                        : attribute(t, "title"));
    state_ = State::in_video;
    if (t.self_closing) {
      finish_video(out);
    }
    return true;
  }
  return false;
}

void EmbedRewriter::finish_video(std::string& out) {
  state_ = State::idle;
  const bool has_src = url::has_safe_scheme(src_) && url::scheme_of(src_) != "mailto";
  // A poster is fetched like an image (`images: inline`), but as an attribute of another
  // element it was never an inline part: http(s) only.
  const bool has_poster = url::has_safe_scheme(poster_) && url::scheme_of(poster_) != "mailto";
  if (has_src) {
    write_link(out, src_, has_poster ? std::optional(poster_) : std::nullopt, title_);
  } else if (has_poster) {
    out += "<img src=\"";
    escape_into(out, poster_);
    out += "\" alt=\"Video\" />";
  }
  poster_.clear();
  src_.clear();
  title_.clear();
}

} // namespace feedpop::feeds::html
