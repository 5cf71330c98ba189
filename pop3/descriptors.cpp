#include "pop3/descriptors.hpp"

#include <filesystem>
#include <system_error>

#include <sys/resource.h>

namespace feedpop::pop3 {

DescriptorLimit descriptor_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return {};
  }
  return {static_cast<std::uint64_t>(rl.rlim_cur), static_cast<std::uint64_t>(rl.rlim_max)};
}

DescriptorLimit raise_descriptor_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &rl); // on failure the old limit stays, reported below
  }
  return descriptor_limit();
}

std::size_t open_descriptors() {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n > 0 ? n - 1 : 0; // the iterator's own descriptor
}

std::size_t connections_allowed(std::uint64_t soft, std::size_t open, std::size_t reserve) {
  const std::uint64_t used = static_cast<std::uint64_t>(open) + reserve;
  return soft > used ? static_cast<std::size_t>(soft - used) : 0;
}

} // namespace feedpop::pop3
