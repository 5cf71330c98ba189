#pragma once
// Starts tests/support/http_server.py on 127.0.0.1, port 0, for the duration of a test.
// Header-only so every test suite (feeds, gateway) can include it. The child is tied to
// us through its stdin: closing the pipe (destructor, or our death) ends it.
// Also makes a throw-away CA and a server certificate for 127.0.0.1 with the openssl CLI.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace feedpop::testing {

inline std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "feedpop-test") : path(make_temp_dir(prefix)) {}
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

// A CA and a server certificate (SAN 127.0.0.1, localhost) signed by it.
struct TestCertificates {
  std::filesystem::path ca_cert, server_cert, server_key;
  explicit TestCertificates(const std::filesystem::path& dir) {
    ca_cert = dir / "ca.pem";
    server_cert = dir / "server.pem";
    server_key = dir / "server.key";
    const std::string d = dir.string();
    const std::string script =
        "cd '" + d + "' && " +
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout ca.key -out ca.pem -days 2 -subj /CN=feedpop-test-ca "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign "
        ">/dev/null 2>&1 && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout server.key -out server.csr -subj /CN=127.0.0.1 >/dev/null 2>&1 && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile ext.cnf >/dev/null 2>&1";
    if (std::system(script.c_str()) != 0) {
      throw std::runtime_error("openssl could not make test certificates in " + d);
    }
  }
};

class HttpTestServer {
public:
  // root: directory served under /files/. cert/key: serve HTTPS instead of HTTP.
  // http10: answer as an HTTP/1.0 server (a new connection for every request).
  explicit HttpTestServer(const std::filesystem::path& root, const std::string& cert = {},
                          const std::string& key = {}, bool http10 = false) {
    int to_child[2];
    int from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
      throw std::runtime_error("pipe failed");
    }
    const std::string script = std::string(FEEDPOP_SOURCE_DIR) + "/tests/support/http_server.py";
    std::vector<std::string> args = {"python3", script, "--root", root.string()};
    if (!cert.empty()) {
      args.insert(args.end(), {"--cert", cert, "--key", key});
    }
    if (http10) {
      args.emplace_back("--http10");
    }
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::execv("/usr/bin/python3", argv.data());
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    stdin_ = to_child[1];
    FILE* out = ::fdopen(from_child[0], "r");
    char line[64] = {};
    if (out == nullptr || std::fgets(line, sizeof line, out) == nullptr ||
        std::sscanf(line, "PORT %d", &port_) != 1) {
      if (out != nullptr) {
        std::fclose(out);
      }
      stop();
      throw std::runtime_error("test HTTP server did not start");
    }
    std::fclose(out);
    scheme_ = cert.empty() ? "http" : "https";
  }
  ~HttpTestServer() { stop(); }
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path
  std::string url(const std::string& path) const {
    return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
  }

private:
  void stop() {
    if (stdin_ >= 0) {
      ::close(stdin_);
      stdin_ = -1;
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
  std::string scheme_ = "http";
};

} // namespace feedpop::testing
