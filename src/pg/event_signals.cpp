// Signals of change events: queued while a transaction writes events, sent once per
// channel and tenant from the pre-commit callback, forgotten on abort.
//
// Signals are sent at pre-commit rather than when the events are written: NOTIFY would
// dedupe only identical payloads (a schema change per statement would signal each
// version), and a transaction that NOTIFYs cannot be prepared (two-phase commit), which
// would make every class table unusable under PREPARE TRANSACTION. A prepared
// transaction signals nothing; its events are read by the next signal or poll.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/pg/barrier.hpp"
#include "udm/pg/event_signals.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/async.h"
}

namespace udm::pg {

namespace {

enum class Channel : unsigned char { kSchema, kData };

// One signal due at commit. Plain data: it is copied out on the way to Async_Notify,
// which may raise an error.
struct Signal {
    Channel channel;
    char tenant[NAMEDATALEN];
    std::int64_t version;
    std::int64_t limits_version;  // 0 unless the tenant's limits changed
    int level;                    // nesting level of the (sub)transaction that queued it
};

// Created on first use; emptied at the end of every transaction.
std::vector<Signal>* signals = nullptr;

// Queues a signal, or raises the versions of one the same (sub)transaction queued.
void queue(Channel channel, const std::string& tenant, std::int64_t version,
           std::int64_t limits_version) {
    if (tenant.empty() || tenant.size() >= NAMEDATALEN) {
        throw Error(sqlstate::kInternalError, "invalid tenant name for a change signal");
    }
    if (signals == nullptr)
        signals = new std::vector<Signal>();
    const int level = GetCurrentTransactionNestLevel();
    for (Signal& s : *signals) {
        if (s.channel != channel || tenant != s.tenant)
            continue;
        // Any data signal already queued covers this one: it is at this level or an
        // enclosing one. A schema version is kept per level: a rolled-back subtransaction
        // takes its versions along.
        if (channel == Channel::kData)
            return;
        if (s.level == level) {
            s.version = std::max(s.version, version);
            s.limits_version = std::max(s.limits_version, limits_version);
            return;
        }
    }
    Signal s{};
    s.channel = channel;
    std::memcpy(s.tenant, tenant.c_str(), tenant.size() + 1);
    s.version = version;
    s.limits_version = limits_version;
    s.level = level;
    signals->push_back(s);
}

// Sends the queued signals, one per channel and tenant. Runs in the pre-commit callback,
// outside any barrier: only plain data is alive here when Async_Notify raises an error.
void send_signals() {
    const std::size_t n = signals->size();
    Signal* queued = static_cast<Signal*>(palloc(n * sizeof(Signal)));
    std::memcpy(queued, signals->data(), n * sizeof(Signal));
    signals->clear();
    for (std::size_t i = 0; i < n; ++i) {
        bool seen = false;
        std::int64_t version = queued[i].version;
        std::int64_t limits_version = queued[i].limits_version;
        for (std::size_t j = 0; j < n; ++j) {
            if (queued[j].channel != queued[i].channel ||
                std::strcmp(queued[j].tenant, queued[i].tenant) != 0)
                continue;
            if (j < i)
                seen = true;
            version = std::max(version, queued[j].version);
            limits_version = std::max(limits_version, queued[j].limits_version);
        }
        if (seen)
            continue;
        // Tenant names are [a-z0-9_]: nothing in them needs escaping in JSON.
        char payload[NAMEDATALEN + 96];
        if (queued[i].channel == Channel::kSchema && limits_version > 0) {
            snprintf(payload, sizeof payload,
                     "{\"tenant\": \"%s\", \"version\": %lld, \"limits_version\": %lld}",
                     queued[i].tenant, static_cast<long long>(version),
                     static_cast<long long>(limits_version));
            Async_Notify(kSchemaChannel, payload);
        } else if (queued[i].channel == Channel::kSchema) {
            snprintf(payload, sizeof payload, "{\"tenant\": \"%s\", \"version\": %lld}",
                     queued[i].tenant, static_cast<long long>(version));
            Async_Notify(kSchemaChannel, payload);
        } else {
            snprintf(payload, sizeof payload, "{\"tenant\": \"%s\"}", queued[i].tenant);
            Async_Notify(kDataChannel, payload);
        }
    }
    pfree(queued);
}

// Transaction callback: sends the signals just before commit, forgets them otherwise.
void on_transaction_event(XactEvent event, void*) noexcept {
    if (signals == nullptr || signals->empty())
        return;
    if (event == XACT_EVENT_PRE_COMMIT) {
        send_signals();
    } else {
        signals->clear();  // abort, prepare
    }
}

// Subtransaction callback: a rolled-back subtransaction takes its signals along; a
// committed one hands them to its parent.
void on_subtransaction_event(SubXactEvent event, SubTransactionId, SubTransactionId,
                             void*) noexcept {
    if (signals == nullptr || signals->empty())
        return;
    const int level = GetCurrentTransactionNestLevel();
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        signals->erase(std::remove_if(signals->begin(), signals->end(),
                                      [level](const Signal& s) { return s.level >= level; }),
                       signals->end());
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (Signal& s : *signals) {
            if (s.level >= level)
                s.level = level - 1;
        }
    }
}

}  // namespace

void signal_schema_change(const std::string& tenant, std::int64_t version) {
    queue(Channel::kSchema, tenant, version, 0);
}

void signal_limits_change(const std::string& tenant, std::int64_t version,
                          std::int64_t limits_version) {
    queue(Channel::kSchema, tenant, version, limits_version);
}

void signal_data_change(const std::string& tenant) {
    queue(Channel::kData, tenant, 0, 0);
}

void register_event_signals() {
    RegisterXactCallback(on_transaction_event, nullptr);
    RegisterSubXactCallback(on_subtransaction_event, nullptr);
}

}  // namespace udm::pg
