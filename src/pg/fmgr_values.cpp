// Datums to C++ values and back.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

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

namespace {

// numeric's stored form (src/backend/utils/adt/numeric.c; it is what tables hold, so it does
// not change between releases): after the varlena header a uint16 header word and, in the
// long format, an int16 weight; then base-10000 digits, the first of weight `weight`.
constexpr std::uint16_t kNumericFlagMask = 0xC000;
constexpr std::uint16_t kNumericNegative = 0x4000;
constexpr std::uint16_t kNumericShort = 0x8000;
constexpr std::uint16_t kNumericSpecial = 0xC000;
constexpr std::uint16_t kNumericShortSign = 0x2000;
constexpr std::uint16_t kNumericShortWeightSign = 0x0040;
constexpr std::uint16_t kNumericShortWeightMask = 0x003F;

// The powers of ten a double holds exactly.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPower = 22;
constexpr std::uint64_t kMaxExactInteger = std::uint64_t{1} << 53;

// The value of a numeric's stored form, when it is an integer of at most 2^53 times a power
// of ten within 10^-22..10^22: both factors are exact doubles, so one IEEE multiplication or
// division rounds the exact value correctly, as strtod does in numeric_float8.
std::optional<double> exact_numeric(const char* data, std::size_t size) {
    std::uint16_t header;
    if (size < sizeof header)
        return std::nullopt;
    std::memcpy(&header, data, sizeof header);
    const std::uint16_t flags = header & kNumericFlagMask;
    if (flags == kNumericSpecial)
        return std::nullopt;  // NaN, Infinity, -Infinity
    bool negative;
    int weight;
    std::size_t offset = sizeof header;
    if (flags == kNumericShort) {
        negative = (header & kNumericShortSign) != 0;
        weight = (header & kNumericShortWeightMask) -
                 ((header & kNumericShortWeightSign) != 0 ? kNumericShortWeightMask + 1 : 0);
    } else {
        std::int16_t w;
        if (size < offset + sizeof w)
            return std::nullopt;
        std::memcpy(&w, data + offset, sizeof w);
        offset += sizeof w;
        negative = flags == kNumericNegative;
        weight = w;
    }
    const std::size_t ndigits = (size - offset) / sizeof(std::int16_t);
    if (ndigits == 0)
        return 0.0;
    if (ndigits > 4)
        return std::nullopt;  // beyond 10^16: may not be exact
    std::uint64_t mantissa = 0;
    for (std::size_t i = 0; i < ndigits; ++i) {
        std::int16_t digit;
        std::memcpy(&digit, data + offset + i * sizeof digit, sizeof digit);
        if (digit < 0 || digit > 9999)
            return std::nullopt;
        mantissa = mantissa * 10000 + static_cast<std::uint64_t>(digit);
    }
    if (mantissa > kMaxExactInteger)
        return std::nullopt;
    const int exponent = 4 * (weight - static_cast<int>(ndigits) + 1);
    if (exponent > kMaxExactPower || exponent < -kMaxExactPower)
        return std::nullopt;
    double x = static_cast<double>(mantissa);
    x = exponent >= 0 ? x * kExactPowersOfTen[exponent] : x / kExactPowersOfTen[-exponent];
    return negative ? -x : x;
}

}  // namespace

double numeric_to_double(Datum d) {
    auto* v = reinterpret_cast<struct varlena*>(DatumGetPointer(d));
    if (!VARATT_IS_EXTERNAL(v) && !VARATT_IS_COMPRESSED(v)) {
        if (auto x = exact_numeric(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v)))
            return *x;
    }
    return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
}

Datum text_datum(const std::string& value) {
    return guard(
        [&] { return PointerGetDatum(cstring_to_text_with_len(value.data(), value.size())); });
}

namespace {

// What a JSON value's containers hold in all: the pairs of its objects and the elements of
// its arrays, nested ones included.
void count_jsonb(const nlohmann::json& value, std::size_t& pairs, std::size_t& elements) {
    if (value.is_object()) {
        pairs += value.size();
    } else if (value.is_array()) {
        elements += value.size();
    } else {
        return;
    }
    for (const auto& element : value)
        count_jsonb(element, pairs, elements);
}

// Room for the JsonbValue tree of a document, taken in two allocations.
struct JsonbPools {
    JsonbPair* pairs;
    JsonbValue* elements;
};

// Fills out with value as a JsonbValue tree whose containers take their pairs and
// elements from the pools, the keys of each object in jsonb's order (shorter first, then
// bytewise). Builds the jsonb from the C++ values directly, without printing and parsing
// text or growing a parse state value by value (a model of 1,000 classes: a fifth of the
// time). Strings point into value, which outlives the jsonb build.
void fill_jsonb(const nlohmann::json& value, JsonbValue& out, JsonbPools& pools) {
    using Json = nlohmann::json;
    switch (value.type()) {
        case Json::value_t::object: {
            std::vector<std::pair<const std::string*, const Json*>> members;
            members.reserve(value.size());
            for (auto it = value.begin(); it != value.end(); ++it)
                members.emplace_back(&it.key(), &it.value());
            std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
                return a.first->size() != b.first->size() ? a.first->size() < b.first->size()
                                                          : *a.first < *b.first;
            });
            JsonbPair* pairs = pools.pairs;
            pools.pairs += members.size();
            for (std::size_t i = 0; i < members.size(); ++i) {
                JsonbPair& pair = pairs[i];
                pair.key.type = jbvString;
                pair.key.val.string.len = static_cast<int>(members[i].first->size());
                pair.key.val.string.val = const_cast<char*>(members[i].first->data());
                pair.order = static_cast<std::uint32_t>(i);
                fill_jsonb(*members[i].second, pair.value, pools);
            }
            out.type = jbvObject;
            out.val.object.nPairs = static_cast<int>(members.size());
            out.val.object.pairs = pairs;
            return;
        }
        case Json::value_t::array: {
            JsonbValue* elements = pools.elements;
            pools.elements += value.size();
            std::size_t i = 0;
            for (const Json& element : value)
                fill_jsonb(element, elements[i++], pools);
            out.type = jbvArray;
            out.val.array.nElems = static_cast<int>(value.size());
            out.val.array.elems = elements;
            out.val.array.rawScalar = false;
            return;
        }
        case Json::value_t::null:
            out.type = jbvNull;
            return;
        case Json::value_t::boolean:
            out.type = jbvBool;
            out.val.boolean = value.get<bool>();
            return;
        case Json::value_t::string: {
            const std::string& text = value.get_ref<const std::string&>();
            // jsonb_in refuses \u0000 (text cannot hold it); so does this.
            if (text.find('\0') != std::string::npos) {
                throw Error(sqlstate::kUntranslatableCharacter,
                            "unsupported Unicode escape sequence",
                            "\\u0000 cannot be converted to text.");
            }
            out.type = jbvString;
            out.val.string.len = static_cast<int>(text.size());
            out.val.string.val = const_cast<char*>(text.data());
            return;
        }
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float: {
            // JSON has no NaN nor infinity: they print as null, and become null here.
            if (value.is_number_float() && !std::isfinite(value.get<double>())) {
                out.type = jbvNull;
                return;
            }
            // As JSON prints it: jsonb keeps numbers as numeric, the way jsonb_in reads them.
            const std::string number = value.dump();
            out.type = jbvNumeric;
            out.val.numeric = guard([&] {
                return DatumGetNumeric(
                    DirectFunctionCall3(numeric_in, CStringGetDatum(number.c_str()),
                                        ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
            });
            return;
        }
        default:  // binary and discarded values never come out of udm's JSON
            throw Error(sqlstate::kInternalError, "a JSON value of an unexpected kind");
    }
}

}  // namespace

Datum jsonb_datum(const nlohmann::json& value) {
    if (!value.is_object() && !value.is_array()) {
        // A raw scalar: jsonb stores it as a one-element pseudo-array; jsonb_in knows how.
        const std::string text = value.dump();
        return guard([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
    }
    std::size_t npairs = 0, nelements = 0;
    count_jsonb(value, npairs, nelements);
    JsonbPools pools = guard([&] {
        return JsonbPools{static_cast<JsonbPair*>(MemoryContextAllocHuge(
                              CurrentMemoryContext, sizeof(JsonbPair) * npairs + 1)),
                          static_cast<JsonbValue*>(MemoryContextAllocHuge(
                              CurrentMemoryContext, sizeof(JsonbValue) * nelements + 1))};
    });
    JsonbValue root;
    fill_jsonb(value, root, pools);
    return guard([&] { return JsonbPGetDatum(JsonbValueToJsonb(&root)); });
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
