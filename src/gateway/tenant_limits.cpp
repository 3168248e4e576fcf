// Tenants' limits in the gateway: parsing udm.tenant_limits, token buckets, subscription
// counts, and following changes of limits on the database thread.
#include "tenant_limits.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

#include "udm/core/tenant_limits.hpp"

namespace udm::gateway {

namespace {

using nlohmann::json;

// The member of limits a key of udm's definitions fills.
std::int64_t* field_of(TenantLimits& limits, std::string_view key) {
    if (key == "max_connections")
        return &limits.max_connections;
    if (key == "statement_timeout")
        return &limits.statement_timeout_ms;
    if (key == "work_mem")
        return &limits.work_mem_kb;
    if (key == "max_rows_per_page")
        return &limits.max_rows_per_page;
    if (key == "requests_per_second")
        return &limits.requests_per_second;
    if (key == "max_subscriptions")
        return &limits.max_subscriptions;
    return nullptr;
}

// A JSON value as a whole number, or nullopt (10.0 is one, 10.5, "10" and true are not).
std::optional<std::int64_t> whole_number(const json& value) {
    if (value.is_number_unsigned()) {
        const auto n = value.get<std::uint64_t>();
        if (n > static_cast<std::uint64_t>(INT64_MAX))
            return std::nullopt;
        return static_cast<std::int64_t>(n);
    }
    if (value.is_number_integer())
        return value.get<std::int64_t>();
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (std::isfinite(v) && std::abs(v) < 9.0e15 && v == std::floor(v))
            return static_cast<std::int64_t>(v);
    }
    return std::nullopt;
}

}  // namespace

bool TenantLimits::operator==(const TenantLimits& other) const {
    return max_connections == other.max_connections &&
           statement_timeout_ms == other.statement_timeout_ms && work_mem_kb == other.work_mem_kb &&
           max_rows_per_page == other.max_rows_per_page &&
           requests_per_second == other.requests_per_second &&
           max_subscriptions == other.max_subscriptions;
}

TenantLimits default_tenant_limits() {
    TenantLimits limits;
    for (const udm::limits::Definition& d : udm::limits::definitions()) {
        if (std::int64_t* field = field_of(limits, d.key))
            *field = d.def;
    }
    return limits;
}

std::optional<TenantLimits> parse_tenant_limits(std::string_view text,
                                                std::vector<std::string>* problems) {
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
        return std::nullopt;
    TenantLimits limits = default_tenant_limits();
    for (const udm::limits::Definition& d : udm::limits::definitions()) {
        std::int64_t* field = field_of(limits, d.key);
        if (field == nullptr)
            continue;  // a limit the gateway does not enforce
        auto found = parsed.find(d.key);
        if (found == parsed.end()) {
            if (problems)
                problems->push_back(std::string(d.key) + " is missing");
            continue;
        }
        std::optional<std::int64_t> value = whole_number(*found);
        if (!value || *value < d.min || *value > d.max) {
            if (problems) {
                problems->push_back(std::string(d.key) + " is not a whole number from " +
                                    std::to_string(d.min) + " to " + std::to_string(d.max));
            }
            continue;
        }
        *field = *value;
    }
    return limits;
}

void TokenBucket::refill(Clock::time_point now) {
    if (now <= last_)
        return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(rate_, tokens_ + seconds * rate_);
    last_ = now;
}

std::optional<std::chrono::milliseconds> TokenBucket::take(Clock::time_point now) {
    refill(now);
    if (tokens_ >= 1) {
        tokens_ -= 1;
        return std::nullopt;
    }
    const double seconds = (1 - tokens_) / rate_;
    return std::chrono::milliseconds(
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(seconds * 1000))));
}

void TokenBucket::set_rate(double rate, Clock::time_point now) {
    refill(now);
    rate_ = rate;
    tokens_ = std::min(tokens_, rate_);
}

TenantGate::TenantGate(TenantLimits limits, Clock::time_point now)
    : limits_(limits),
      bucket_(static_cast<double>(std::max<std::int64_t>(1, limits.requests_per_second)), now) {}

TenantLimits TenantGate::limits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return limits_;
}

void TenantGate::set_limits(const TenantLimits& limits, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    limits_ = limits;
    bucket_.set_rate(static_cast<double>(std::max<std::int64_t>(1, limits.requests_per_second)),
                     now);
}

std::optional<std::chrono::milliseconds> TenantGate::admit_request(Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    return bucket_.take(now);
}

bool TenantGate::reserve_subscription() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<std::int64_t>(subscriptions_) >= limits_.max_subscriptions)
        return false;
    ++subscriptions_;
    return true;
}

void TenantGate::release_subscriptions(std::size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    subscriptions_ -= std::min(count, subscriptions_);
}

std::size_t TenantGate::subscriptions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return subscriptions_;
}

std::shared_ptr<TenantGate> TenantLimitsRegistry::gate(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[tenant];
    if (!entry.gate)
        entry.gate = std::make_shared<TenantGate>(default_tenant_limits(), clock_());
    return entry.gate;
}

void TenantLimitsRegistry::apply(const std::string& tenant, const TenantLimits& limits,
                                 std::int64_t version) {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = entries_[tenant];
    if (!entry.gate) {
        entry.gate = std::make_shared<TenantGate>(limits, clock_());
    } else {
        entry.gate->set_limits(limits, clock_());
    }
    entry.version = version;
}

std::optional<std::int64_t> TenantLimitsRegistry::version(const std::string& tenant) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = entries_.find(tenant);
    return found == entries_.end() ? std::nullopt : found->second.version;
}

void TenantLimitsRegistry::forget(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(tenant);
}

std::vector<std::string> TenantLimitsRegistry::tenants() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& [tenant, entry] : entries_)
        out.push_back(tenant);
    return out;
}

void TenantLimitsFollower::failed(const std::string& what) {
    if (error_ != what)
        log_error("cannot read tenant limits (the defaults apply meanwhile): " + what);
    error_ = what;
}

void TenantLimitsFollower::read(const std::string& tenant, std::int64_t version,
                                LimitsSource& source) {
    std::optional<std::string> text;
    try {
        text = source.tenant_limits(tenant);
    } catch (const LimitsQueryError& e) {
        failed(e.what());
        return;
    }
    if (!text)
        return;  // dropped meanwhile: the next poll forgets it
    std::vector<std::string> problems;
    std::optional<TenantLimits> limits = parse_tenant_limits(*text, &problems);
    if (!limits) {
        failed("udm.tenant_limits of " + tenant + " is not a JSON object");
        return;
    }
    if (!problems.empty()) {
        std::string joined;
        for (const auto& problem : problems)
            joined += (joined.empty() ? "" : "; ") + problem;
        log_warn("limits of tenant " + tenant + ": " + joined + " (its default applies)");
    }
    const std::optional<std::int64_t> held = registry_.version(tenant);
    registry_.apply(tenant, *limits, version);
    error_.clear();
    if (held)
        log_info("limits of tenant " + tenant + " changed (limits_version " +
                 std::to_string(version) + ")");
}

void TenantLimitsFollower::load(const std::string& tenant, LimitsSource& source) {
    std::map<std::string, std::optional<std::int64_t>> versions;
    try {
        versions = source.limits_versions({tenant});
    } catch (const LimitsQueryError& e) {
        failed(e.what());
        return;
    }
    auto found = versions.find(tenant);
    if (found == versions.end() || !found->second)
        return;
    read(tenant, *found->second, source);
}

void TenantLimitsFollower::load_failed(const std::string& tenant) {
    registry_.forget(tenant);
}

void TenantLimitsFollower::on_notification(const std::string& channel, const std::string& payload) {
    if (channel != "udm_schema")
        return;
    json message = json::parse(payload, nullptr, false);
    if (message.is_discarded() || !message.is_object())
        return;
    auto tenant = message.find("tenant");
    auto version = message.find("limits_version");
    if (tenant == message.end() || !tenant->is_string() || version == message.end() ||
        !version->is_number_integer()) {
        return;
    }
    const std::string name = tenant->get<std::string>();
    const std::optional<std::int64_t> held = registry_.version(name);
    // Signals are hints anyone may send: only a tenant followed, and only to look at its
    // limits_version (refresh_signalled), so a forged one costs one small query a turn.
    if (held && *held != version->get<std::int64_t>() && signalled_.size() < 10000)
        signalled_.insert(name);
}

void TenantLimitsFollower::refresh_signalled(LimitsSource& source) {
    if (signalled_.empty())
        return;
    std::vector<std::string> tenants(signalled_.begin(), signalled_.end());
    signalled_.clear();
    refresh(tenants, /*forget_missing=*/false, source);
}

void TenantLimitsFollower::refresh_all(LimitsSource& source) {
    refresh(registry_.tenants(), /*forget_missing=*/true, source);
}

void TenantLimitsFollower::refresh(const std::vector<std::string>& tenants, bool forget_missing,
                                   LimitsSource& source) {
    if (tenants.empty())
        return;
    std::map<std::string, std::optional<std::int64_t>> versions;
    try {
        versions = source.limits_versions(tenants);
    } catch (const LimitsQueryError& e) {
        failed(e.what());
        return;
    }
    for (const std::string& tenant : tenants) {
        auto found = versions.find(tenant);
        if (found == versions.end()) {
            if (forget_missing)
                registry_.forget(tenant);
            continue;
        }
        // It exists, but its Citus worker is down: what is held stays, its gate with it.
        if (!found->second)
            continue;
        // Not "newer": a tenant dropped and created again starts counting anew. A tenant
        // whose limits could not be read (no version held) is read again.
        if (registry_.version(tenant) != *found->second)
            read(tenant, *found->second, source);
    }
}

}  // namespace udm::gateway
