#pragma once
// Helpers for tests of pop3::Server over real loopback sockets: a blocking line client
// (plain, implicit TLS or after STLS) and a running server over the in-memory store.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "pop3/server.hpp"
#include "tests/pop3/memory_maildrop.hpp"
#include "tests/pop3/tls_support.hpp"

namespace feedpop::pop3::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A blocking line-oriented client, plain or TLS (after connect or after STLS).
class Client {
public:
  explicit Client(std::uint16_t port, bool implicit_tls = false) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if (implicit_tls) {
      start_tls();
    }
  }
  // `ciphers`: an OpenSSL TLS 1.2 cipher list the client offers (the default otherwise).
  void start_tls(int max_version = 0, const char* ciphers = nullptr) {
    if (max_version != 0) {
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), max_version);
    }
    if (ciphers != nullptr) {
      SSL_CTX_set_cipher_list(ctx_.native_handle(), ciphers);
    }
    tls_.emplace(socket_, ctx_);
    tls_->handshake(asio::ssl::stream_base::client);
  }
  void send(const std::string& text) {
    if (tls_) {
      asio::write(*tls_, asio::buffer(text));
    } else {
      asio::write(socket_, asio::buffer(text));
    }
  }
  std::string line() {
    boost::system::error_code ec;
    std::size_t n = tls_ ? asio::read_until(*tls_, buf_, "\r\n", ec)
                         : asio::read_until(socket_, buf_, "\r\n", ec);
    if (ec) {
      return "<" + ec.message() + ">";
    }
    std::string s(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + n - 2);
    buf_.consume(n);
    return s;
  }
  std::string say(const std::string& command) {
    send(command + "\r\n");
    return line();
  }
  std::vector<std::string> multiline() {
    std::vector<std::string> lines;
    for (std::string l = line(); l != "." && l.front() != '<'; l = line()) {
      lines.push_back(l);
    }
    return lines;
  }
  tcp::socket& socket() { return socket_; }
  // The negotiated cipher, e.g. "TLS_AES_128_GCM_SHA256" (empty without TLS).
  std::string cipher() { return tls_ ? SSL_get_cipher_name(tls_->native_handle()) : ""; }

private:
  asio::io_context io_;
  tcp::socket socket_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
  asio::streambuf buf_;
};

struct Running {
  std::shared_ptr<MemoryStore> store = make_standard_store();
  std::unique_ptr<Server> server;
  std::uint16_t port = 0, tls_port = 0;
  explicit Running(ServerOptions o = {}, bool with_tls = true,
                   const TestCertificate& cert = test_certificate()) {
    if (o.listen.empty()) {
      o.listen = {{"127.0.0.1", 0}};
    }
    if (with_tls && o.tls_listen.empty()) {
      o.tls_listen = {{"127.0.0.1", 0}};
    }
    if (o.threads == 0) {
      o.threads = 2;
    }
    o.hostname = "test.example";
    server = std::make_unique<Server>(o, std::make_shared<MemoryAuthenticator>(store),
                                      with_tls ? make_tls_context(cert.cert, cert.key) : nullptr);
    for (const auto& b : server->start()) {
      (b.implicit_tls ? tls_port : port) = b.endpoint.port;
    }
  }
};

} // namespace feedpop::pop3::testing
