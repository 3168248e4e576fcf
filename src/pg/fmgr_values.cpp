// Datums to C++ values and back.
#include "udm/core/error.hpp"
#include "udm/pg/fmgr_values.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"
}

namespace udm::pg {

namespace {

[[noreturn]] void null_argument(const char* name) {
    throw udm::Error(sqlstate::kNullValueNotAllowed, std::string(name) + " must not be null");
}

}  // namespace

std::string text_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    return *optional_text_arg(fcinfo, n);
}

std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n))
        return std::nullopt;
    char* value = guard([&] { return text_to_cstring(PG_GETARG_TEXT_PP(n)); });
    std::string out(value);
    pfree(value);
    return out;
}

nlohmann::json jsonb_arg(FunctionCallInfo fcinfo, int n, const nlohmann::json& fallback) {
    if (PG_ARGISNULL(n))
        return fallback;
    char* text = guard([&] {
        Jsonb* jb = PG_GETARG_JSONB_P(n);
        return JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
    });
    nlohmann::json out = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    pfree(text);
    if (out.is_discarded()) {
        // jsonb text is valid JSON; only numbers beyond what a double holds can fail.
        throw udm::Error(sqlstate::kInvalidTextRepresentation,
                         "argument " + std::to_string(n + 1) + " holds JSON udm cannot read",
                         "Numbers must fit in a 64-bit floating point value.");
    }
    return out;
}

nlohmann::json required_jsonb_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    return jsonb_arg(fcinfo, n, nullptr);
}

std::vector<std::string> text_array_arg(FunctionCallInfo fcinfo, int n, const char* name,
                                        std::size_t max_items) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    const std::size_t items = guard([&] {
        ArrayType* array = PG_GETARG_ARRAYTYPE_P(n);
        return static_cast<std::size_t>(ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array)));
    });
    if (items > max_items) {
        throw Error(sqlstate::kProgramLimitExceeded,
                    std::string(name) + " holds " + std::to_string(items) + " elements",
                    "At most " + std::to_string(max_items) + " are allowed.");
    }
    std::vector<std::string> out;
    guard([&] {
        ArrayType* array = PG_GETARG_ARRAYTYPE_P(n);
        Datum* elems = nullptr;
        bool* nulls = nullptr;
        int count = 0;
        deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
        out.reserve(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            if (nulls[i])
                continue;
            text* t = DatumGetTextPP(elems[i]);
            out.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
        }
    });
    return out;
}

bool bool_arg(FunctionCallInfo fcinfo, int n, bool fallback) {
    return PG_ARGISNULL(n) ? fallback : PG_GETARG_BOOL(n);
}

bool required_bool_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    return PG_GETARG_BOOL(n);
}

std::int32_t int32_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    return PG_GETARG_INT32(n);
}

std::int64_t int64_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    return PG_GETARG_INT64(n);
}

std::string uuid_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        null_argument(name);
    char* text =
        guard([&] { return DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(n))); });
    std::string out(text);
    pfree(text);
    return out;
}

Datum text_datum(const std::string& value) {
    return guard(
        [&] { return PointerGetDatum(cstring_to_text_with_len(value.data(), value.size())); });
}

Datum jsonb_datum(const nlohmann::json& value) {
    const std::string text = value.dump();
    return guard([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
}

std::string text_array_literal(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

Datum return_rows(FunctionCallInfo fcinfo, const std::vector<Row>& rows) {
    guard([&] {
        InitMaterializedSRF(fcinfo, 0);
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        AttInMetadata* meta = TupleDescGetAttInMetadata(rsinfo->setDesc);
        const int natts = rsinfo->setDesc->natts;
        char** values = static_cast<char**>(palloc(sizeof(char*) * natts));
        for (const Row& row : rows) {
            for (int i = 0; i < natts; ++i) {
                values[i] = i < static_cast<int>(row.size()) && row[i]
                                ? const_cast<char*>(row[i]->c_str())
                                : nullptr;
            }
            tuplestore_puttuple(rsinfo->setResult, BuildTupleFromCStrings(meta, values));
        }
    });
    return (Datum)0;
}

}  // namespace udm::pg
