// Raising RLIMIT_NOFILE at start-up and warning when it is too low.
#include "fd_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "log.hpp"

namespace udm::gateway {

namespace {

// The kernel's ceiling for RLIMIT_NOFILE (setrlimit refuses more, even RLIM_INFINITY).
std::uint64_t kernel_nr_open() {
    std::ifstream in("/proc/sys/fs/nr_open");
    std::uint64_t value = 0;
    if (in >> value && value > 0)
        return value;
    return 1u << 20;  // Linux's default
}

}  // namespace

FdLimits raise_fd_limit() {
    FdLimits limits;
    rlimit current{};
    if (getrlimit(RLIMIT_NOFILE, &current) != 0)
        return limits;
    limits.known = true;
    limits.soft_before = limits.soft = current.rlim_cur;
    limits.hard = current.rlim_max;
    rlim_t target = current.rlim_max;
    if (target == RLIM_INFINITY)
        target = kernel_nr_open();
    if (current.rlim_cur != RLIM_INFINITY && current.rlim_cur >= target)
        return limits;
    rlimit raised = current;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
        limits.soft = target;
    } else {
        log_debug(std::string("cannot raise the open-file limit: ") + std::strerror(errno));
    }
    return limits;
}

std::optional<std::string> fd_limit_warning(std::uint64_t limit, std::size_t max_connections) {
    std::uint64_t needed = static_cast<std::uint64_t>(max_connections) + kFdMargin;
    if (limit >= needed)
        return std::nullopt;
    return "the open-file limit is " + std::to_string(limit) + " but --max-connections " +
           std::to_string(max_connections) + " needs about " + std::to_string(needed) +
           " (one per WebSocket, " + std::to_string(kFdMargin) +
           " for HTTP and the database): accepts will fail and be retried when it is reached; "
           "raise the hard limit (ulimit -Hn, systemd LimitNOFILE=) or lower --max-connections";
}

void prepare_fd_limit(std::size_t max_connections) {
    FdLimits limits = raise_fd_limit();
    if (!limits.known) {
        log_warn(std::string("cannot read the open-file limit: ") + std::strerror(errno));
        return;
    }
    if (limits.soft != limits.soft_before) {
        log_info("open-file limit raised from " + std::to_string(limits.soft_before) + " to " +
                 std::to_string(limits.soft));
    }
    if (auto warning = fd_limit_warning(limits.soft, max_connections))
        log_warn(*warning);
}

}  // namespace udm::gateway
