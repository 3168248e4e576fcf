// Datums to C++ values and back.
#include <cstdint>
#include <cstring>

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

// Pushes value onto a jsonb under construction: as token (WJB_VALUE in an object,
// WJB_ELEM in an array) when it is a scalar, as a nested container otherwise. Builds the
// jsonb from the C++ values directly, without printing and parsing text (a model of 1,000
// classes: a third of the time). Strings point into value, which outlives the jsonb build.
// Returns what pushJsonbValue returned last: for the outermost container, the whole value.
JsonbValue* push_jsonb(JsonbParseState** state, const nlohmann::json& value,
                       JsonbIteratorToken token) {
    using Json = nlohmann::json;
    switch (value.type()) {
        case Json::value_t::object:
            guard([&] { pushJsonbValue(state, WJB_BEGIN_OBJECT, nullptr); });
            for (auto it = value.begin(); it != value.end(); ++it) {
                const std::string& key = it.key();
                JsonbValue k;
                k.type = jbvString;
                k.val.string.len = static_cast<int>(key.size());
                k.val.string.val = const_cast<char*>(key.data());
                guard([&] { pushJsonbValue(state, WJB_KEY, &k); });
                push_jsonb(state, it.value(), WJB_VALUE);
            }
            return guard([&] { return pushJsonbValue(state, WJB_END_OBJECT, nullptr); });
        case Json::value_t::array:
            guard([&] { pushJsonbValue(state, WJB_BEGIN_ARRAY, nullptr); });
            for (const Json& element : value)
                push_jsonb(state, element, WJB_ELEM);
            return guard([&] { return pushJsonbValue(state, WJB_END_ARRAY, nullptr); });
        default:
            break;
    }
    JsonbValue v;
    std::string number;
    switch (value.type()) {
        case Json::value_t::null:
            v.type = jbvNull;
            break;
        case Json::value_t::boolean:
            v.type = jbvBool;
            v.val.boolean = value.get<bool>();
            break;
        case Json::value_t::string: {
            const std::string& text = value.get_ref<const std::string&>();
            v.type = jbvString;
            v.val.string.len = static_cast<int>(text.size());
            v.val.string.val = const_cast<char*>(text.data());
            break;
        }
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float:
            // As JSON prints it: jsonb keeps numbers as numeric, the way jsonb_in reads them.
            number = value.dump();
            v.type = jbvNumeric;
            v.val.numeric = guard([&] {
                return DatumGetNumeric(
                    DirectFunctionCall3(numeric_in, CStringGetDatum(number.c_str()),
                                        ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
            });
            break;
        default:  // binary and discarded values never come out of udm's JSON
            throw Error(sqlstate::kInternalError, "a JSON value of an unexpected kind");
    }
    return guard([&] { return pushJsonbValue(state, token, &v); });
}

}  // namespace

Datum jsonb_datum(const nlohmann::json& value) {
    if (!value.is_object() && !value.is_array()) {
        // A raw scalar: jsonb stores it as a one-element pseudo-array; jsonb_in knows how.
        const std::string text = value.dump();
        return guard([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
    }
    JsonbParseState* state = nullptr;
    JsonbValue* root = push_jsonb(&state, value, WJB_ELEM);
    return guard([&] { return JsonbPGetDatum(JsonbValueToJsonb(root)); });
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
