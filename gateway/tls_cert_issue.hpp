#pragma once
// Building the local CA and the server certificates it signs (OpenSSL), private to
// gateway/tls_cert.cpp. No file access here: tls_cert.cpp reads, checks and writes.
//
// Errors: every OpenSSL failure throws TlsCertError with OpenSSL's reason.

#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "gateway/tls_cert.hpp"

namespace feedpop::gateway::tls {

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
template <class T> using Ptr = std::unique_ptr<T, Free>;

[[noreturn]] void fail(const std::string& what); // appends OpenSSL's reason

// The names a server certificate covers: DNS names and IP addresses, as in a SAN.
struct Names {
  std::vector<std::string> dns; // "localhost", the host's and the configured hostname
  std::vector<std::string> ip;  // "127.0.0.1", "::1"
};

// A fresh P-256 key.
Ptr<EVP_PKEY> new_key();

// A CA certificate (CA:TRUE, pathlen:0, keyCertSign/cRLSign) whose name constraints permit
// exactly `names` (and subdomains of the DNS names), valid ca_validity_days.
Ptr<X509> issue_ca(EVP_PKEY* key, const Names& names);

// A server certificate for `names` (CA:FALSE, serverAuth, SANs) signed by the CA, valid
// leaf_validity_days.
Ptr<X509> issue_leaf(EVP_PKEY* key, const Names& names, X509* ca, EVP_PKEY* ca_key);

// PEM text of a certificate or a private key.
std::string pem(X509* cert);
std::string pem(EVP_PKEY* key);

// Apple platforms refuse TLS server certificates valid for more than 825 days, even ones
// from a CA a user installed; stay under that. A CA has no such limit.
inline constexpr long leaf_validity_days = 820;
inline constexpr long ca_validity_days = 3650;

} // namespace feedpop::gateway::tls
