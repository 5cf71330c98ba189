#pragma once
// The TLS certificate the POP3 server presents (DESIGN.md "TLS everywhere it can be").
//
// With `pop3.tls: {cert, key}` in the config those files are used as they are. Without,
// feedpop does what mkcert does: a small local CA in `<data_dir>/tls/ca.pem` (CA:TRUE,
// pathlen:0, name-constrained to the names below, key ca-key.pem 0600) signs a server
// certificate `<data_dir>/tls/cert.pem` (CA:FALSE, SANs localhost, 127.0.0.1, ::1, this
// host's name and the configured hostname; key key.pem 0600). Users trust ca.pem once;
// the server certificate is renewed, by the same CA, when less than 30 days remain or
// when the names change, without anyone trusting anything again. A hostname the CA does
// not permit makes a new CA (logged as a warning: clients must trust the new ca.pem).
//
// Several nodes may share one data_dir and start at once: generation runs under an
// exclusive flock on `<data_dir>/tls/.lock`, so one node writes and the others then read
// its files. Every file is written through mkstemp + fchmod + rename: a key is 0600 from
// its first byte, whatever stale temporary files lie around, and a crash leaves either
// the old file or the new one.
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
  std::filesystem::path cert;              // PEM chain, leaf first
  std::filesystem::path key;               // PEM private key
  std::optional<std::filesystem::path> ca; // the local CA users trust (generated pair only)
  bool generated = false;                  // true: the server certificate was issued by this call
  bool ca_generated = false;               // true: the local CA was created by this call
  std::string fingerprint;    // SHA-256 of the leaf's DER, "AB:CD:..." (as browsers show)
  std::string ca_fingerprint; // of ca.pem, empty for a configured pair
  std::string not_after;      // the leaf's expiry, "YYYY-MM-DD"
};

// The configured pair when both are given, else the local CA's certificate in data_dir
// (created or renewed when needed). Checks that the key matches the certificate either way.
TlsFiles ensure_tls_certificate(const std::optional<std::filesystem::path>& cert,
                                const std::optional<std::filesystem::path>& key,
                                const std::filesystem::path& data_dir, const std::string& hostname);

// SHA-256 fingerprint of the first certificate in a PEM file.
std::string certificate_fingerprint(const std::filesystem::path& cert);

} // namespace feedpop::gateway
