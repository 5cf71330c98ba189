#pragma once
// File descriptors as a resource the POP3 server shares with the rest of the process. Each
// connection holds one descriptor; the store (SQLite files, WAL, shared memory) and the
// fetcher (libcurl sockets, DNS) need theirs too, and run out first when connections take
// them all ("Too many open files" for SQLite, the fetcher and accept alike). systemd's
// default soft RLIMIT_NOFILE is 1024, far below the default connection limit, so `serve`
// raises the soft limit to the hard one, and the server caps connections at what the
// limit leaves after a reserve.

#include <cstddef>
#include <cstdint>

namespace feedpop::pop3 {

struct DescriptorLimit {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

// The RLIMIT_NOFILE in force.
DescriptorLimit descriptor_limit();
// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limits in force afterwards
// (unchanged if the kernel refuses).
DescriptorLimit raise_descriptor_limit();
// Descriptors this process has open now (/proc/self/fd); 0 when that cannot be read.
std::size_t open_descriptors();
// Connections that fit under `soft` with `open` descriptors in use and `reserve` kept for
// the store and the fetcher.
std::size_t connections_allowed(std::uint64_t soft, std::size_t open, std::size_t reserve);

} // namespace feedpop::pop3
