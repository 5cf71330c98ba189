#include "feeds/url.hpp"

#include <cctype>

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
    auto end = s.find_first_of("/?#");
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

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

} // namespace

bool has_scheme(std::string_view ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref.front()))) {
    return false;
  }
  for (char c : ref) {
    if (c == ':') {
      return true;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return false;
}

std::string resolve(std::string_view base_in, std::string_view ref_in) {
  std::string_view ref = trim(ref_in);
  std::string_view base = trim(base_in);
  if (base.empty() || has_scheme(ref)) {
    if (has_scheme(ref)) {
      Parts r = split(ref);
      std::string out(r.scheme);
      out += ':';
      if (r.has_authority) {
        out += "//";
        out += r.authority;
      }
      out += r.has_authority ? remove_dot_segments(r.path) : std::string(r.path);
      if (r.has_query) {
        out += '?';
        out += r.query;
      }
      if (r.has_fragment) {
        out += '#';
        out += r.fragment;
      }
      return out;
    }
    return std::string(ref);
  }
  Parts b = split(base);
  Parts r = split(ref);
  std::string authority, path, query;
  bool has_authority = false, has_query = false;
  if (r.has_authority) {
    has_authority = true;
    authority = r.authority;
    path = remove_dot_segments(r.path);
    has_query = r.has_query;
    query = r.query;
  } else {
    has_authority = b.has_authority;
    authority = b.authority;
    if (r.path.empty()) {
      path = b.path;
      has_query = r.has_query || b.has_query;
      query = r.has_query ? r.query : b.query;
    } else {
      if (r.path.front() == '/') {
        path = remove_dot_segments(r.path);
      } else {
        // §5.2.3 merge.
        std::string merged;
        if (b.has_authority && b.path.empty()) {
          merged = "/";
        } else {
          auto slash = b.path.rfind('/');
          if (slash != std::string_view::npos) {
            merged = b.path.substr(0, slash + 1);
          }
        }
        merged += r.path;
        path = remove_dot_segments(merged);
      }
      has_query = r.has_query;
      query = r.query;
    }
  }
  std::string out(b.scheme);
  if (!b.scheme.empty()) {
    out += ':';
  }
  if (has_authority) {
    out += "//";
    out += authority;
  }
  out += path;
  if (has_query) {
    out += '?';
    out += query;
  }
  if (r.has_fragment) {
    out += '#';
    out += r.fragment;
  }
  return out;
}

} // namespace feedpop::feeds::url
