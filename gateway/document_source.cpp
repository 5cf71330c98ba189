#include "gateway/document_source.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "feeds/http_client.hpp"

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
    feeds::HttpClient client;
    feeds::HttpRequest request;
    request.url = file_or_url;
    feeds::FetchResult result = client.fetch(std::move(request));
    if (auto* failed = std::get_if<feeds::FetchFailed>(&result)) {
      throw std::runtime_error(file_or_url + ": " + failed->error);
    }
    auto& fetched = std::get<feeds::Fetched>(result); // no validators sent: never a 304
    doc.body = std::move(fetched.body);
    doc.url = fetched.info.url;
    doc.content_type = fetched.info.content_type;
    return doc;
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
