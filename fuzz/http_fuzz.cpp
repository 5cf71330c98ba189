// libFuzzer target for the web side's request handling (issue 20): the input is raw bytes
// as a client would send them on one connection. Beast's parser, with the server's header
// and body limits, reads up to 16 pipelined requests; each goes through web::Handler (over
// the in-memory StatusSource the web tests use) and its response is serialised. No crash,
// no UB, bounded work. "@S" and "@C" in the input stand for a signed-in session id and its
// CSRF token, so the fuzzer reaches the signed-in routes too.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include "../tests/web/memory_status.hpp"
#include "web/client_setup.hpp"
#include "web/handler.hpp"
#include "web/text.hpp"

namespace {

using namespace feedpop;
namespace http = boost::beast::http;

struct World {
  std::shared_ptr<web::Handler> handler;
  web::WebSession session;
  World() {
    web::Options o;
    o.mail.domain = "example.test";
    o.mail.pop3s_port = 995;
    o.mail.submission_port = 587;
    o.metrics_token = "token";
    o.max_sessions = 64; // reaches eviction quickly
    handler = std::make_shared<web::Handler>(o, std::make_shared<web::testing::MemoryStatus>(),
                                             std::make_shared<web::testing::MemoryCredentials>(),
                                             std::make_shared<auth::FailureThrottle>());
    session = handler->sessions().create("alice");
  }
};

std::string substitute(std::string s, const World& w) {
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"@S", w.session.id}, {"@C", w.session.csrf}}) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
      s.replace(pos, from.size(), to);
    }
  }
  return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string raw(reinterpret_cast<const char*>(data), size);
  // The text helpers see the raw bytes too.
  (void)web::parse_form(raw);
  (void)web::cookie(raw, web::session_cookie);
  (void)web::autodiscover_email(raw);
  (void)web::escape_html(raw);

  const auto input = substitute(raw, world);
  if (input.empty()) {
    return 0;
  }
  const auto& o = world.handler->options();
  boost::beast::flat_buffer buffer;
  auto mutable_part = buffer.prepare(input.size());
  std::memcpy(mutable_part.data(), input.data(), input.size());
  buffer.commit(input.size());
  const web::Peer peers[] = {{"127.0.0.1", true, false}, {"192.0.2.1", false, true}};
  for (int i = 0; i < 16 && buffer.size() > 0; ++i) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser.body_limit(o.max_body_bytes);
    parser.eager(true);
    boost::beast::error_code ec;
    const auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec || !parser.is_done()) {
      break; // a parse error or an incomplete request: the server would answer 4xx or wait
    }
    const auto reply = world.handler->handle(parser.get(), peers[i % 2]);
    std::ostringstream out;
    out << reply.response;
    if (out.str().empty()) {
      __builtin_trap();
    }
  }
  return 0;
}
