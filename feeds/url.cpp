#include "feeds/url.hpp"

#include "common/ascii.hpp"

namespace feedpop::feeds::url {

namespace {

struct Parts {
  std::string_view scheme, authority, path, query, fragment;
  bool has_authority = false, has_query = false, has_fragment = false;
};

// RFC 3986 appendix B, written as a scanner.
Parts split(std::string_view s) {
  Parts p;
  if (has_scheme(s)) {
    auto colon = s.find(':');
    p.scheme = s.substr(0, colon);
    s.remove_prefix(colon + 1);
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    // The authority ends at the first '/', '?' or '#' (a byte loop: find_first_of looks
    // each byte up in the set with a call).
    std::size_t end = 0;
    while (end < s.size() && s[end] != '/' && s[end] != '?' && s[end] != '#') {
      ++end;
    }
    end = end == s.size() ? std::string_view::npos : end;
    p.has_authority = true;
    p.authority = s.substr(0, end);
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  }
  auto hash = s.find('#');
  if (hash != std::string_view::npos) {
    p.has_fragment = true;
    p.fragment = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  auto q = s.find('?');
  if (q != std::string_view::npos) {
    p.has_query = true;
    p.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  p.path = s;
  return p;
}

// RFC 3986 §5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      auto slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      auto next = in.find('/', in.front() == '/' ? 1 : 0);
      if (next == std::string_view::npos) {
        next = in.size();
      }
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

// True when some segment of `path` is "." or "..": otherwise remove_dot_segments() would
// return `path` unchanged (only its copy rule would apply), so the common case skips it.
// Such a segment starts at a '.' that begins the path or follows a '/'.
bool has_dot_segment(std::string_view path) {
  for (std::size_t dot = path.find('.'); dot != std::string_view::npos;
       dot = path.find('.', dot + 1)) {
    if (dot > 0 && path[dot - 1] != '/') {
      continue;
    }
    const std::size_t end = dot + (dot + 1 < path.size() && path[dot + 1] == '.' ? 2 : 1);
    if (end == path.size() || path[end] == '/') {
      return true;
    }
  }
  return false;
}

// out += remove_dot_segments(path), without the temporary in the common case.
void append_path(std::string& out, std::string_view path) {
  if (has_dot_segment(path)) {
    out += remove_dot_segments(path);
  } else {
    out += path;
  }
}

} // namespace

bool has_scheme(std::string_view ref) {
  if (ref.empty() || !ascii::is_alpha(ref.front())) {
    return false;
  }
  for (char c : ref) {
    if (c == ':') {
      return true;
    }
    if (!ascii::is_alnum(c) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

void resolve_into(std::string& out, std::string_view base_in, std::string_view ref_in) {
  // Called for every link and every href/src of every sanitised body: written to build the
  // result in one string, whose buffer the caller may reuse.
  out.clear();
  std::string_view ref = ascii::trim(ref_in);
  std::string_view base = ascii::trim(base_in);
  if (base.empty() || has_scheme(ref)) {
    if (has_scheme(ref)) {
      Parts r = split(ref);
      if (!r.has_authority || !has_dot_segment(r.path)) {
        out.assign(ref); // reassembling the parts would give `ref` back
        return;
      }
      out += r.scheme;
      out += "://";
      out += r.authority;
      append_path(out, r.path);
      if (r.has_query) {
        out += '?';
        out += r.query;
      }
      if (r.has_fragment) {
        out += '#';
        out += r.fragment;
      }
      return;
    }
    out.assign(ref);
    return;
  }
  Parts b = split(base);
  Parts r = split(ref);
  out.reserve(base.size() + ref.size());
  out += b.scheme;
  if (!b.scheme.empty()) {
    out += ':';
  }
  std::string_view query;
  bool has_query = false;
  if (r.has_authority) {
    out += "//";
    out += r.authority;
    append_path(out, r.path);
    has_query = r.has_query;
    query = r.query;
  } else {
    if (b.has_authority) {
      out += "//";
      out += b.authority;
    }
    if (r.path.empty()) {
      out += b.path;
      has_query = r.has_query || b.has_query;
      query = r.has_query ? r.query : b.query;
    } else {
      if (r.path.front() == '/') {
        append_path(out, r.path);
      } else {
        // §5.2.3 merge, built in place, then dot segments removed from the merged path.
        std::size_t at = out.size();
        if (b.has_authority && b.path.empty()) {
          out += '/';
        } else {
          auto slash = b.path.rfind('/');
          if (slash != std::string_view::npos) {
            out += b.path.substr(0, slash + 1);
          }
        }
        out += r.path;
        if (has_dot_segment(std::string_view(out).substr(at))) {
          std::string path = remove_dot_segments(std::string_view(out).substr(at));
          out.resize(at);
          out += path;
        }
      }
      has_query = r.has_query;
      query = r.query;
    }
  }
  if (has_query) {
    out += '?';
    out += query;
  }
  if (r.has_fragment) {
    out += '#';
    out += r.fragment;
  }
}

std::string resolve(std::string_view base, std::string_view ref) {
  std::string out;
  resolve_into(out, base, ref);
  return out;
}

std::string scheme_of(std::string_view url) {
  std::string scheme;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      continue;
    }
    if (c == ':') {
      return scheme;
    }
    const bool first = scheme.empty();
    if (!(ascii::is_alpha(c) ||
          (!first && (ascii::is_digit(c) || c == '+' || c == '-' || c == '.')))) {
      return ""; // RFC 3986 §3.1: no scheme, a relative reference
    }
    scheme += ascii::lower(c);
  }
  return "";
}

namespace {

bool safe_scheme(std::string_view scheme, std::string_view url, Use use) {
  if (scheme == "http" || scheme == "https" || scheme == "mailto") {
    return true;
  }
  if (use != Use::image) {
    return false;
  }
  if (scheme == "cid") {
    return true;
  }
  if (scheme != "data") {
    return false;
  }
  // "data:image/...": the media type after the scheme, spaces and controls ignored.
  std::string media;
  for (std::size_t i = url.find(':') + 1; i < url.size() && media.size() < 6; ++i) {
    if (static_cast<unsigned char>(url[i]) > 0x20) {
      media += ascii::lower(url[i]);
    }
  }
  return media == "image/";
}

} // namespace

bool has_safe_scheme(std::string_view url, Use use) {
  return safe_scheme(scheme_of(url), url, use);
}

bool is_safe(std::string_view url, Use use) {
  const std::string scheme = scheme_of(url);
  return scheme.empty() || safe_scheme(scheme, url, use);
}

} // namespace feedpop::feeds::url
