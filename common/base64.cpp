#include "common/base64.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <iterator>

#include <openssl/evp.h>

#include "common/ascii.hpp"

namespace feedpop::base64 {
namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take int lengths: larger inputs go in slices of this
// many bytes (a multiple of 3 for encoding, of 4 for decoding).
constexpr std::size_t encode_slice = 3 * 4 * 1024 * 1024;
constexpr std::size_t decode_slice = 4 * 4 * 1024 * 1024;
static_assert(decode_slice / 4 * 3 < INT_MAX);

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Appends the padded encoding of `bytes` (any size) to `out`.
void encode_into(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  // EVP_EncodeBlock writes a terminating NUL after the encoding: one spare byte.
  out.resize(start + encoded_size(bytes.size()) + 1);
  std::size_t at = start;
  for (std::size_t i = 0; i < bytes.size(); i += encode_slice) {
    const std::string_view part = bytes.substr(i, encode_slice);
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), bytes_of(part),
                                  static_cast<int>(part.size()));
    at += static_cast<std::size_t>(n);
  }
  out.resize(at);
}

constexpr std::array<bool, 256> alphabet = [] {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
    t[static_cast<std::size_t>(c - 'A' + 'a')] = true;
  }
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  t['+'] = true;
  t['/'] = true;
  return t;
}();

// The number of "=" padding characters if `text` is well-formed strict base64.
// EVP_DecodeBlock alone is not strict: it trims white space and reads "=" anywhere as
// zero bits, so the form is checked here first.
std::optional<std::size_t> strict_padding(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = text[text.size() - 2] == '=' ? 2 : 1;
  }
  const std::string_view data = text.substr(0, text.size() - pad);
  const bool ok = std::all_of(data.begin(), data.end(),
                              [](char c) { return alphabet[static_cast<unsigned char>(c)]; });
  return ok ? std::optional(pad) : std::nullopt;
}

} // namespace

std::string encode(std::string_view bytes) {
  std::string out;
  encode_into(out, bytes);
  return out;
}

std::size_t encoded_lines_size(std::size_t bytes, std::size_t line_len) {
  line_len = std::max<std::size_t>(4, line_len / 4 * 4);
  const std::size_t chars = encoded_size(bytes);
  return chars + (chars + line_len - 1) / line_len * 2;
}

std::string encode_lines(std::string_view bytes, std::size_t line_len) {
  line_len = std::max<std::size_t>(4, line_len / 4 * 4);
  const std::size_t per_line = line_len / 4 * 3;
  std::string out;
  out.reserve(encoded_lines_size(bytes.size(), line_len) + 1);
  for (std::size_t i = 0; i < bytes.size(); i += per_line) {
    encode_into(out, bytes.substr(i, per_line));
    out += "\r\n";
  }
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  const auto pad = strict_padding(text);
  if (!pad) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  std::size_t at = 0;
  for (std::size_t i = 0; i < text.size(); i += decode_slice) {
    const std::string_view part = text.substr(i, decode_slice);
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), bytes_of(part),
                                  static_cast<int>(part.size()));
    if (n < 0) {
      return std::nullopt;
    }
    at += static_cast<std::size_t>(n);
  }
  // EVP_DecodeBlock counts each "=" as a zero byte of output.
  out.resize(at - *pad);
  return out;
}

std::optional<std::string> decode_lenient(std::string_view text) {
  if (std::none_of(text.begin(), text.end(), ascii::is_space)) {
    return decode(text);
  }
  std::string compact;
  compact.reserve(text.size());
  std::copy_if(text.begin(), text.end(), std::back_inserter(compact),
               [](char c) { return !ascii::is_space(c); });
  return decode(compact);
}

} // namespace feedpop::base64
