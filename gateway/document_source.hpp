#pragma once
// Reads a feed document named on the command line (`feedpop parse|render FILE|URL`):
// a file path, `-` for standard input, a file:// URL, or an http(s):// URL.

#include <string>

namespace feedpop::gateway {

struct Document {
  std::string body;
  std::string url;          // absolute URL of the document (file:// for files)
  std::string content_type; // from HTTP, empty for files
};

// Throws std::runtime_error with a clear message when the document cannot be read.
Document load_document(const std::string& file_or_url);

} // namespace feedpop::gateway
