// Each tenant's limits as udm.tenant_limits gives them (docs/limits.md), and what the
// gateway holds per tenant to enforce them: a token bucket of requests_per_second and the
// count of subscriptions. Read on the database thread (TenantLimitsFollower), used from any.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "log.hpp"

namespace udm::gateway {

// The limits of one tenant; the defaults are udm's (udm::limits::definitions()).
struct TenantLimits {
    std::int64_t max_connections = 10;
    std::int64_t statement_timeout_ms = 30000;
    std::int64_t work_mem_kb = 4096;
    std::int64_t max_rows_per_page = 1000;
    std::int64_t requests_per_second = 1000;
    std::int64_t max_subscriptions = 1000;

    bool operator==(const TenantLimits& other) const;
};

// The limits of udm's defaults.
TenantLimits default_tenant_limits();

// The limits in the JSON text of udm.tenant_limits: keys it does not know are ignored (a
// newer udm), a known key that is missing, not a whole number or out of udm's range keeps
// its default and is named in *problems (for the log). nullopt when the text is not a JSON
// object.
std::optional<TenantLimits> parse_tenant_limits(std::string_view text,
                                                std::vector<std::string>* problems = nullptr);

// A token bucket: rate tokens a second, at most one second's worth (burst) held.
class TokenBucket {
  public:
    using Clock = std::chrono::steady_clock;

    TokenBucket(double rate, Clock::time_point now) : rate_(rate), tokens_(rate), last_(now) {}

    // Takes a token when one is there; otherwise returns how long until one is.
    std::optional<std::chrono::milliseconds> take(Clock::time_point now);
    // Changes the rate; the tokens held stay, up to the new burst.
    void set_rate(double rate, Clock::time_point now);
    double rate() const { return rate_; }

  private:
    double rate_;
    double tokens_;
    Clock::time_point last_;

    // Adds the tokens earned since last_.
    void refill(Clock::time_point now);
};

// What one tenant's requests are held to; shared by its sessions.
class TenantGate {
  public:
    using Clock = TokenBucket::Clock;

    TenantGate(TenantLimits limits, Clock::time_point now);

    // The limits of now.
    TenantLimits limits() const;
    // Replaces the limits (the bucket keeps its tokens, up to the new burst).
    void set_limits(const TenantLimits& limits, Clock::time_point now);
    // A request of the tenant: nullopt when it may run, else how long until it may (429).
    std::optional<std::chrono::milliseconds> admit_request(Clock::time_point now);
    // A subscription of the tenant starts: false when max_subscriptions run already.
    bool reserve_subscription();
    // count subscriptions reserved before have ended.
    void release_subscriptions(std::size_t count);
    std::size_t subscriptions() const;

  private:
    mutable std::mutex mutex_;
    TenantLimits limits_;
    TokenBucket bucket_;
    std::size_t subscriptions_ = 0;
};

// The gates of the loaded tenants, and the limits_version their limits were read at.
class TenantLimitsRegistry {
  public:
    using Clock = TenantGate::Clock;

    explicit TenantLimitsRegistry(std::function<Clock::time_point()> clock = Clock::now)
        : clock_(std::move(clock)) {}

    // The gate of tenant; made with udm's defaults when its limits are not read yet.
    std::shared_ptr<TenantGate> gate(const std::string& tenant);
    // Records tenant's limits as read at version.
    void apply(const std::string& tenant, const TenantLimits& limits, std::int64_t version);
    // The limits_version tenant's limits were read at; nullopt when not read.
    std::optional<std::int64_t> version(const std::string& tenant) const;
    // Forgets tenant (dropped); sessions holding its gate keep it.
    void forget(const std::string& tenant);
    // The tenants held (their limits read, or defaults until they are).
    std::vector<std::string> tenants() const;
    // The clock of the buckets.
    Clock::time_point now() const { return clock_(); }

  private:
    struct Entry {
        std::shared_ptr<TenantGate> gate;
        std::optional<std::int64_t> version;
    };
    std::function<Clock::time_point()> clock_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

// Where limits are read from (udm.tenant_state, udm.tenant_limits), behind an interface so
// that the follower is tested without a database. Throws on a lost connection.
class LimitsSource {
  public:
    virtual ~LimitsSource() = default;
    // The limits_version of each of tenants that exists; the others are missing. nullopt
    // for a tenant that exists but cannot be read now (its Citus worker is down): what is
    // held of it is kept.
    virtual std::map<std::string, std::optional<std::int64_t>> limits_versions(
        const std::vector<std::string>& tenants) = 0;
    // The JSON text of udm.tenant_limits(tenant), nullopt when the tenant does not exist.
    // Throws LimitsQueryError when the query fails otherwise (a udm without it).
    virtual std::optional<std::string> tenant_limits(const std::string& tenant) = 0;
};

// A query of limits failed for another reason than a lost connection.
class LimitsQueryError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Keeps the registry's limits current, on the database thread: read with the tenant's load,
// again when a udm_schema signal names a limits_version other than the one held, and at
// every poll and reconnect (only tenants whose limits_version moved are read again).
class TenantLimitsFollower {
  public:
    explicit TenantLimitsFollower(TenantLimitsRegistry& registry) : registry_(registry) {}

    // Reads the limits of a tenant being loaded. A tenant that does not exist is left to the
    // change feed to report; a query error is logged and leaves the defaults.
    void load(const std::string& tenant, LimitsSource& source);
    // A tenant did not load: its limits are forgotten.
    void load_failed(const std::string& tenant);
    // A notification: a udm_schema payload with a limits_version other than the one held
    // marks its tenant for refresh_signalled(). Anything else is ignored (the change feed
    // logs bad payloads).
    void on_notification(const std::string& channel, const std::string& payload);
    // Reads again the limits of the tenants marked by signals whose limits_version moved.
    void refresh_signalled(LimitsSource& source);
    // Reads the limits_version of every tenant held, the limits of those whose version moved,
    // and forgets those that no longer exist.
    void refresh_all(LimitsSource& source);

  private:
    TenantLimitsRegistry& registry_;
    std::set<std::string> signalled_;
    std::string error_;  // the last query error logged, so that it is logged once

    // Reads the limits of tenants whose limits_version is not the one held.
    void refresh(const std::vector<std::string>& tenants, bool forget_missing,
                 LimitsSource& source);
    // Reads and applies tenant's limits at version.
    void read(const std::string& tenant, std::int64_t version, LimitsSource& source);
    // Logs a failed query once.
    void failed(const std::string& what);
};

}  // namespace udm::gateway
