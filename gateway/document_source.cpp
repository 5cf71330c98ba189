#include "gateway/document_source.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace feedpop::gateway {

namespace {

std::string read_stream(std::istream& in) {
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

Document load_document(const std::string& file_or_url) {
  Document doc;
  if (file_or_url == "-") {
    doc.body = read_stream(std::cin);
    return doc;
  }
  if (file_or_url.starts_with("http://") || file_or_url.starts_with("https://")) {
    // TODO(fetch): fetch over HTTP with the fetcher's client.
    throw std::runtime_error("HTTP URLs are not supported yet: " + file_or_url);
  }
  std::filesystem::path path = file_or_url;
  if (file_or_url.starts_with("file://")) {
    path = file_or_url.substr(7);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  doc.body = read_stream(in);
  doc.url = "file://" + std::filesystem::absolute(path).lexically_normal().string();
  return doc;
}

} // namespace feedpop::gateway
