// The process's open-file limit against what --max-connections needs: every WebSocket is a
// file descriptor, and accepts fail with EMFILE once the soft limit is reached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace udm::gateway {

// Descriptors on top of the WebSocket connections: HTTP requests, the database connection,
// the listening socket, epoll, pipes and stdio.
constexpr std::uint64_t kFdMargin = 128;

// The soft and hard RLIMIT_NOFILE, before and after raise_fd_limit.
struct FdLimits {
    std::uint64_t soft_before = 0;
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
    bool known = false;  // getrlimit worked
};

// Raises the soft open-file limit to the hard one (unprivileged processes may), so a low
// default soft limit (1024 on most systems) does not cap the connections.
FdLimits raise_fd_limit();

// The warning to log when limit descriptors are too few for max_connections WebSockets plus
// kFdMargin; nullopt when they are enough.
std::optional<std::string> fd_limit_warning(std::uint64_t limit, std::size_t max_connections);

// Raises the limit and logs what it did and whether it suffices for max_connections.
void prepare_fd_limit(std::size_t max_connections);

}  // namespace udm::gateway
