// SPI from C++: text parameters in, text values out, every PostgreSQL call guarded.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/pg/spi.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
}

namespace udm::pg {

namespace {

// Throws for a negative SPI result code (most SPI failures ereport instead).
void check_spi(int rc, const char* what) {
    if (rc < 0) {
        throw udm::Error(udm::sqlstate::kInternalError,
                         std::string(what) + " failed: " + SPI_result_code_string(rc));
    }
}

// Text parameters as SPI arguments, palloc'd; called inside guard().
struct SpiArgs {
    Oid* types;
    Datum* values;
    char* nulls;
};
SpiArgs to_spi_args(const std::vector<Cell>& params) {
    const std::size_t n = params.size();
    SpiArgs a{static_cast<Oid*>(palloc(sizeof(Oid) * (n + 1))),
              static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1))),
              static_cast<char*>(palloc(n + 1))};
    for (std::size_t i = 0; i < n; ++i) {
        a.types[i] = TEXTOID;
        a.nulls[i] = params[i] ? ' ' : 'n';
        a.values[i] = params[i] ? CStringGetTextDatum(params[i]->c_str()) : (Datum)0;
    }
    return a;
}

}  // namespace

Spi::Spi(bool read_only) : read_only_(read_only) {
    check_spi(guard([] { return SPI_connect(); }), "SPI_connect");
    connected_ = true;
}

std::uint64_t Spi::execute(const std::string& sql, const std::vector<Cell>& params) {
    const int nargs = static_cast<int>(params.size());
    int rc = guard([&] {
        const SpiArgs a = to_spi_args(params);
        return SPI_execute_with_args(sql.c_str(), nargs, a.types, a.values, a.nulls, read_only_, 0);
    });
    check_spi(rc, "SPI_execute_with_args");
    return SPI_processed;
}

namespace {

// The plans of query_kept, by text.
constexpr std::size_t kMaxKeptPlans = 128;
std::unordered_map<std::string, SPIPlanPtr> kept_plans;

}  // namespace

std::vector<Row> Spi::query_kept(const std::string& sql, const std::vector<Cell>& params) {
    auto it = kept_plans.find(sql);
    SPIPlanPtr plan = it == kept_plans.end() ? nullptr : it->second;
    if (plan == nullptr) {
        if (kept_plans.size() >= kMaxKeptPlans) {
            for (auto& [text, kept] : kept_plans)
                guard([&] { SPI_freeplan(kept); });
            kept_plans.clear();
        }
        const int nargs = static_cast<int>(params.size());
        plan = guard([&] {
            const SpiArgs a = to_spi_args(params);
            SPIPlanPtr const made = SPI_prepare(sql.c_str(), nargs, a.types);
            if (made == nullptr)
                return static_cast<SPIPlanPtr>(nullptr);
            if (SPI_keepplan(made) != 0) {
                SPI_freeplan(made);
                return static_cast<SPIPlanPtr>(nullptr);
            }
            return made;
        });
        if (plan == nullptr)
            check_spi(SPI_result < 0 ? SPI_result : SPI_ERROR_ARGUMENT, "SPI_prepare");
        kept_plans.emplace(sql, plan);
    }
    const int rc = guard([&] {
        const SpiArgs a = to_spi_args(params);
        return SPI_execute_plan(plan, a.values, a.nulls, read_only_, 0);
    });
    check_spi(rc, "SPI_execute_plan");
    return rows_of(SPI_processed);
}

std::vector<Row> Spi::query(const std::string& sql, const std::vector<Cell>& params) {
    return rows_of(execute(sql, params));
}

std::vector<Row> Spi::rows_of(std::uint64_t count) {
    std::vector<Row> rows;
    if (SPI_tuptable == nullptr)
        return rows;
    const TupleDesc desc = SPI_tuptable->tupdesc;
    const int ncols = desc->natts;
    // A text column's value is its text: read directly, without the output function and
    // its copy (a whole tenant's model is tens of thousands of values).
    std::vector<bool> is_text(ncols);
    for (int c = 0; c < ncols; ++c)
        is_text[c] = TupleDescAttr(desc, c)->atttypid == TEXTOID;
    rows.reserve(count);
    for (std::uint64_t r = 0; r < count; ++r) {
        Row row;
        row.reserve(ncols);
        for (int c = 1; c <= ncols; ++c) {
            if (is_text[c - 1]) {
                struct Text {
                    const char* data;
                    std::size_t size;
                };
                const Text value = guard([&] {
                    bool isnull = false;
                    const Datum d = SPI_getbinval(SPI_tuptable->vals[r], desc, c, &isnull);
                    if (isnull)
                        return Text{nullptr, 0};
                    const text* t = DatumGetTextPP(d);
                    return Text{VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)};
                });
                row.push_back(value.data == nullptr ? Cell()
                                                    : Cell(std::in_place, value.data, value.size));
                continue;
            }
            char* value = guard([&] { return SPI_getvalue(SPI_tuptable->vals[r], desc, c); });
            row.push_back(value == nullptr ? Cell() : Cell(value));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

Cell Spi::query_value(const std::string& sql, const std::vector<Cell>& params) {
    std::vector<Row> rows = query(sql, params);
    if (rows.empty() || rows.front().empty())
        return std::nullopt;
    return rows.front().front();
}

Cell Spi::query_value_latest(const std::string& sql, const std::vector<Cell>& params) {
    std::optional<Row> row = query_row_latest(sql, params);
    return row && !row->empty() ? (*row)[0] : Cell();
}

std::optional<Row> Spi::query_row_latest(const std::string& sql, const std::vector<Cell>& params) {
    const int nargs = static_cast<int>(params.size());
    int rc = guard([&] {
        const SpiArgs a = to_spi_args(params);
        SPIPlanPtr plan = SPI_prepare(sql.c_str(), nargs, a.types);
        if (plan == nullptr)
            return SPI_result;
        return SPI_execute_snapshot(plan, a.values, a.nulls, GetLatestSnapshot(), InvalidSnapshot,
                                    true, false, 1);
    });
    check_spi(rc, "SPI_execute_snapshot");
    if (SPI_processed == 0 || SPI_tuptable == nullptr)
        return std::nullopt;
    Row row;
    const int columns = SPI_tuptable->tupdesc->natts;
    for (int c = 1; c <= columns; ++c) {
        char* value =
            guard([&] { return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, c); });
        row.push_back(value == nullptr ? Cell() : Cell(value));
    }
    return row;
}

void Spi::finish() {
    if (!connected_)
        return;
    check_spi(guard([] { return SPI_finish(); }), "SPI_finish");
    connected_ = false;
}

int push_settings(const std::vector<Setting>& settings, GucContext context) {
    return guard([&] {
        const int level = NewGUCNestLevel();
        for (const Setting& setting : settings) {
            (void)set_config_option(setting.name, setting.value, context, PGC_S_SESSION,
                                    GUC_ACTION_SAVE, true, 0, false);
        }
        return level;
    });
}

void restore_settings(int level, bool ok) {
    if (level >= 0)
        guard([&] { AtEOXact_GUC(ok, level); });
}

ScopedUser::ScopedUser(Oid role, int extra_context) noexcept {
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    SetUserIdAndSecContext(role, saved_context_ | SECURITY_LOCAL_USERID_CHANGE | extra_context);
}

ScopedUser::~ScopedUser() {
    SetUserIdAndSecContext(saved_user_, saved_context_);
}

}  // namespace udm::pg
