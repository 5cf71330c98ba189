#pragma once
// The TLS certificate the POP3 server presents (DESIGN.md "TLS everywhere it can be").
// With `pop3.tls: {cert, key}` in the config those files are used as they are; without,
// a self-signed certificate (P-256, SAN localhost / 127.0.0.1 / ::1 / the configured
// hostname) is generated into `<data_dir>/tls/` on first start and reused afterwards, so
// the fingerprint users trusted in their client stays the same.
//
// Errors: an unreadable or invalid certificate/key, or a data_dir that cannot be
// written, throws TlsCertError with the path and OpenSSL's reason.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace feedpop::gateway {

class TlsCertError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct TlsFiles {
  std::filesystem::path cert; // PEM chain, leaf first
  std::filesystem::path key;  // PEM private key
  bool generated = false;     // true: created by this call
  bool self_signed = false;   // true: the generated one (not a configured certificate)
  std::string fingerprint;    // SHA-256 of the leaf's DER, "AB:CD:..." (as browsers show)
  std::string not_after;      // expiry, "YYYY-MM-DD"
};

// The configured pair when both are given, else the generated one in data_dir (created if
// missing). Checks that the key matches the certificate either way.
TlsFiles ensure_tls_certificate(const std::optional<std::filesystem::path>& cert,
                                const std::optional<std::filesystem::path>& key,
                                const std::filesystem::path& data_dir, const std::string& hostname);

// Writes a new self-signed certificate and its key (mode 0600) for `hostname`.
void generate_self_signed(const std::filesystem::path& cert, const std::filesystem::path& key,
                          const std::string& hostname);

// SHA-256 fingerprint of the first certificate in a PEM file.
std::string certificate_fingerprint(const std::filesystem::path& cert);

} // namespace feedpop::gateway
