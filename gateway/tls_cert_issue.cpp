#include "gateway/tls_cert_issue.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace feedpop::gateway::tls {
namespace {

struct FreeMore {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T> using Own = std::unique_ptr<T, FreeMore>;

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Own<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    fail(fmt::format("cannot add certificate extension {}", value));
  }
}

void add_name(X509_NAME* name, const char* field, const std::string& value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                 0) != 1) {
    fail(fmt::format("cannot set certificate name {}={}", field, value));
  }
}

// Version 3, a random 127-bit serial, valid from an hour ago (clients with a slightly slow
// clock must not see "not yet valid") for `days`, subject O=feedpop, CN=cn.
Ptr<X509> new_certificate(EVP_PKEY* key, const std::string& cn, long days) {
  Ptr<X509> cert(X509_new());
  Own<BIGNUM> serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(days), 0, nullptr) ==
          nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    fail("cannot create a certificate");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  add_name(name, "O", "feedpop");
  add_name(name, "CN", cn);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) == 0) {
    fail("cannot sign the certificate");
  }
}

} // namespace

void fail(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "unknown OpenSSL error";
  if (code != 0) {
    ERR_error_string_n(code, buf, sizeof buf);
  }
  throw TlsCertError(what + ": " + buf);
}

Ptr<EVP_PKEY> new_key() {
  // P-256: small, fast handshakes, supported by every TLS 1.2+ client we target.
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) {
    fail("cannot generate a P-256 key");
  }
  return key;
}

Ptr<X509> issue_ca(EVP_PKEY* key, const Names& names) {
  const std::string host = names.dns.size() > 1 ? names.dns.back() : "localhost";
  auto ca = new_certificate(key, "feedpop local CA " + host, ca_validity_days);
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  // RFC 5280 §4.2.1.10: even if its key leaked, this CA can vouch for no other name.
  std::string permitted = "critical";
  for (const auto& dns : names.dns) {
    permitted += ",permitted;DNS:" + dns;
  }
  for (const auto& ip : names.ip) {
    permitted += ",permitted;IP:" + ip +
                 (ip.find(':') != std::string::npos ? "/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"
                                                    : "/255.255.255.255");
  }
  add_extension(ca.get(), ca.get(), NID_name_constraints, permitted);
  sign(ca.get(), key);
  return ca;
}

Ptr<X509> issue_leaf(EVP_PKEY* key, const Names& names, X509* ca, EVP_PKEY* ca_key) {
  auto leaf = new_certificate(key, names.dns.back(), leaf_validity_days);
  X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca));
  add_extension(leaf.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(leaf.get(), ca, NID_key_usage, "critical,digitalSignature");
  add_extension(leaf.get(), ca, NID_ext_key_usage, "serverAuth");
  add_extension(leaf.get(), ca, NID_subject_key_identifier, "hash");
  add_extension(leaf.get(), ca, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& dns : names.dns) {
    san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  }
  for (const auto& ip : names.ip) {
    san += ",IP:" + ip;
  }
  add_extension(leaf.get(), ca, NID_subject_alt_name, san);
  sign(leaf.get(), ca_key);
  return leaf;
}

std::string pem(X509* cert) {
  Own<BIO> mem(BIO_new(BIO_s_mem()));
  if (!mem || PEM_write_bio_X509(mem.get(), cert) != 1) {
    fail("cannot encode a certificate");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string pem(EVP_PKEY* key) {
  Own<BIO> mem(BIO_new(BIO_s_mem()));
  if (!mem ||
      PEM_write_bio_PrivateKey(mem.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot encode a private key");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

} // namespace feedpop::gateway::tls
