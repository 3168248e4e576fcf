// Evaluating compiled rules on a row: every violation collected, no value echoed, no
// exception thrown on the hot path (allocation failures aside, which the caller handles).
#include <arpa/inet.h>

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "udm/core/naming.hpp"
#include "udm/core/rules_internal.hpp"

namespace udm::rules {

namespace {

// At most this many allowed values are named in an enum's message.
constexpr std::size_t kEnumValuesShown = 10;

// The allowed values of an enum, for its message: the rule's own values (the model's, not
// the row's), each shortened, the first kEnumValuesShown of them.
template <typename T, typename Show>
std::string enum_message(const std::vector<T>& values, Show&& show_one) {
    std::string out = "must be one of ";
    for (std::size_t i = 0; i < values.size() && i < kEnumValuesShown; ++i)
        out += (i == 0 ? "" : ", ") + show_one(values[i]);
    if (values.size() > kEnumValuesShown)
        out += ", ... (" + std::to_string(values.size()) + " values)";
    return out;
}

std::string show(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// The value of a date or timestamp attribute on the timestamp scale, for comparisons.
long double as_number(const CompiledAttribute& a, const Value& v) {
    switch (a.type) {
        case DataType::kNumber:
            return v.number;
        case DataType::kDate:
            return static_cast<long double>(v.integer) * 86400.0L * 1000000.0L;
        default:
            return static_cast<long double>(v.integer);
    }
}

bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool valid_hostname(std::string_view s) {
    if (s.empty() || s.size() > 253)
        return false;
    if (s.back() == '.')
        s.remove_suffix(1);
    std::size_t label = 0;
    char prev = '.';
    for (char c : s) {
        if (c == '.') {
            if (label == 0 || prev == '-')
                return false;
            label = 0;
        } else {
            const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-';
            if (!ok || (label == 0 && c == '-') || ++label > 63)
                return false;
        }
        prev = c;
    }
    return label > 0 && prev != '-';
}

bool valid_ip(int family, std::string_view s) {
    char buf[64];
    unsigned char out[16];
    if (s.size() >= sizeof buf || s.find('\0') != std::string_view::npos)
        return false;
    std::memcpy(buf, s.data(), s.size());
    buf[s.size()] = '\0';
    return inet_pton(family, buf, out) == 1;
}

class Evaluator {
  public:
    Evaluator(const CompiledClass& c, const std::vector<Value>& values, std::int64_t now,
              std::vector<Violation>& out)
        : c_(c), values_(values), now_(now), out_(out) {}

    void run() {
        for (std::size_t i = 0; i < c_.attributes.size(); ++i)
            attribute(c_.attributes[i], value(i));
        for (const auto& group : c_.required_together)
            required_together(group);
        for (const auto& group : c_.one_of_required)
            one_of_required(group);
        for (const Compare& cmp : c_.compares)
            compare(cmp);
    }

  private:
    // The value of attribute i; null when values is shorter than the attribute list.
    const Value& value(std::size_t i) const {
        static const Value kNull;
        return i < values_.size() ? values_[i] : kNull;
    }

    void violate(const CompiledAttribute& a, const char* rule, std::string message) {
        out_.push_back({a.name, rule, a.message.empty() ? std::move(message) : a.message});
    }

    void attribute(const CompiledAttribute& a, const Value& v) {
        if (v.is_null) {
            if (a.required)
                violate(a, "required", "is required");
            return;
        }
        if (v.unreadable)
            return;  // already reported as a type violation
        switch (a.type) {
            case DataType::kText:
                text(a, v.text);
                break;
            case DataType::kNumber:
            case DataType::kInteger:
                number(a, a.type == DataType::kNumber ? v.number : static_cast<double>(v.integer),
                       v);
                break;
            case DataType::kDate:
            case DataType::kTimestamp:
                time(a, v.integer);
                break;
            default:
                break;
        }
    }

    void text(const CompiledAttribute& a, std::string_view s) {
        if (a.min_length || a.max_length) {
            const std::int64_t n = utf8_length(s);
            if (a.min_length && n < *a.min_length) {
                violate(a, "min_length",
                        "must be at least " + std::to_string(*a.min_length) + " characters long");
            }
            if (a.max_length && n > *a.max_length) {
                violate(a, "max_length",
                        "must be at most " + std::to_string(*a.max_length) + " characters long");
            }
        }
        if (a.not_blank && is_blank(s))
            violate(a, "not_blank", "must not be blank");
        if (a.pattern &&
            !re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *a.pattern)) {
            violate(a, "pattern", "must match the pattern " + a.pattern_source);
        }
        if (a.format != Format::kNone && !has_format(a.format, s))
            violate(a, "format", "is not a valid " + format_name(a.format));
        if (!a.enum_text.empty()) {
            bool found = false;
            for (const auto& e : a.enum_text)
                found = found || e == s;
            if (!found) {
                violate(a, "enum", enum_message(a.enum_text, [](const std::string& e) {
                            return "\"" + naming::abbreviate(e, 40) + "\"";
                        }));
            }
        }
    }

    static std::string format_name(Format f) {
        switch (f) {
            case Format::kEmail:
                return "email address";
            case Format::kUri:
                return "URI";
            case Format::kUuid:
                return "UUID";
            case Format::kDate:
                return "date";
            case Format::kDateTime:
                return "date-time";
            case Format::kIpv4:
                return "IPv4 address";
            case Format::kIpv6:
                return "IPv6 address";
            case Format::kHostname:
                return "host name";
            case Format::kNone:
                break;
        }
        return "value";
    }

    void number(const CompiledAttribute& a, double x, const Value& v) {
        if (std::isnan(x)) {
            // NaN (numeric's 'NaN') is no number: every bound refuses it, where a CHECK
            // constraint would let it pass `>=` (PostgreSQL orders NaN above every number).
            static constexpr const char* kNotANumber = "must be a number, not NaN";
            if (a.min)
                violate(a, "min", kNotANumber);
            if (a.max)
                violate(a, "max", kNotANumber);
            if (a.exclusive_min)
                violate(a, "exclusive_min", kNotANumber);
            if (a.exclusive_max)
                violate(a, "exclusive_max", kNotANumber);
            if (a.multiple_of)
                violate(a, "multiple_of", kNotANumber);
            if (!a.enum_number.empty())
                violate(a, "enum", kNotANumber);
            return;
        }
        if (a.min && x < *a.min)
            violate(a, "min", "must be at least " + show(*a.min));
        if (a.max && x > *a.max)
            violate(a, "max", "must be at most " + show(*a.max));
        if (a.exclusive_min && x <= *a.exclusive_min)
            violate(a, "exclusive_min", "must be greater than " + show(*a.exclusive_min));
        if (a.exclusive_max && x >= *a.exclusive_max)
            violate(a, "exclusive_max", "must be less than " + show(*a.exclusive_max));
        if (a.multiple_of) {
            const double m = *a.multiple_of;
            bool ok;
            if (a.type == DataType::kInteger && m == std::floor(m) && m < 9.2e18) {
                ok = v.integer % static_cast<std::int64_t>(m) == 0;
            } else {
                const double q = x / m;
                ok = std::fabs(q - std::round(q)) <= 8 * DBL_EPSILON * std::max(1.0, std::fabs(q));
            }
            if (!ok)
                violate(a, "multiple_of", "must be a multiple of " + show(m));
        }
        if (!a.enum_number.empty()) {
            bool found = false;
            for (double e : a.enum_number)
                found = found || e == x;
            if (!found)
                violate(a, "enum", enum_message(a.enum_number, [](double e) { return show(e); }));
        }
    }

    void time(const CompiledAttribute& a, std::int64_t x) {
        if (a.time_min && x < resolve_bound(*a.time_min, a.type, now_))
            violate(a, "min", "must not be before " + a.time_min_source);
        if (a.time_max && x > resolve_bound(*a.time_max, a.type, now_))
            violate(a, "max", "must not be after " + a.time_max_source);
    }

    // The names of a group's attributes, but for the one at index except.
    std::string names(const std::vector<std::size_t>& group,
                      std::size_t except = std::numeric_limits<std::size_t>::max()) const {
        std::string out;
        for (std::size_t i : group) {
            if (i != except)
                out += (out.empty() ? "" : ", ") + c_.attributes[i].name;
        }
        return out;
    }

    void required_together(const std::vector<std::size_t>& group) {
        bool any = false;
        for (std::size_t i : group)
            any = any || !value(i).is_null;
        if (!any)
            return;
        for (std::size_t i : group) {
            if (value(i).is_null) {
                out_.push_back({c_.attributes[i].name, "required_together",
                                "is required together with " + names(group, i)});
            }
        }
    }

    void one_of_required(const std::vector<std::size_t>& group) {
        for (std::size_t i : group) {
            if (!value(i).is_null)
                return;
        }
        out_.push_back(
            {names(group), "one_of_required", "at least one of " + names(group) + " is required"});
    }

    void compare(const Compare& cmp) {
        const Value& l = value(cmp.left);
        const Value& r = value(cmp.right);
        if (l.is_null || r.is_null || l.unreadable || r.unreadable)
            return;
        const CompiledAttribute& la = c_.attributes[cmp.left];
        const CompiledAttribute& ra = c_.attributes[cmp.right];
        int order;
        if (la.type == DataType::kText) {
            order = l.text.compare(r.text);
        } else {
            const long double a = as_number(la, l), b = as_number(ra, r);
            if (std::isnan(a) || std::isnan(b)) {
                // NaN compares with nothing, so no comparison holds.
                out_.push_back({la.name, "compare",
                                "must be " + cmp.op + " " + ra.name + ", and NaN is not a number"});
                return;
            }
            order = a < b ? -1 : a > b ? 1 : 0;
        }
        const std::string& op = cmp.op;
        const bool ok = op == "<"    ? order < 0
                        : op == "<=" ? order <= 0
                        : op == ">"  ? order > 0
                        : op == ">=" ? order >= 0
                        : op == "="  ? order == 0
                                     : order != 0;
        if (!ok)
            out_.push_back({la.name, "compare", "must be " + op + " " + ra.name});
    }

    const CompiledClass& c_;
    const std::vector<Value>& values_;
    std::int64_t now_;
    std::vector<Violation>& out_;
};

}  // namespace

std::int64_t utf8_length(std::string_view s) noexcept {
    std::int64_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

bool is_blank(std::string_view s) noexcept {
    for (unsigned char c : s) {
        if (!std::isspace(c))
            return false;
    }
    return true;
}

bool has_format(Format f, std::string_view s) noexcept {
    switch (f) {
        case Format::kNone:
            return true;
        case Format::kEmail: {
            const auto at = s.find('@');
            if (at == std::string_view::npos || at == 0 || at > 64 ||
                s.find('@', at + 1) != std::string_view::npos) {
                return false;
            }
            for (char c : s.substr(0, at)) {
                if (std::isspace(static_cast<unsigned char>(c)) ||
                    std::iscntrl(static_cast<unsigned char>(c)))
                    return false;
            }
            const std::string_view domain = s.substr(at + 1);
            return domain.find('.') != std::string_view::npos && valid_hostname(domain);
        }
        case Format::kUri: {
            const auto colon = s.find(':');
            if (colon == std::string_view::npos || colon == 0 ||
                !std::isalpha(static_cast<unsigned char>(s[0])) || colon + 1 == s.size()) {
                return false;
            }
            for (char c : s.substr(0, colon)) {
                if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' &&
                    c != '.')
                    return false;
            }
            for (char c : s.substr(colon + 1)) {
                if (std::isspace(static_cast<unsigned char>(c)) ||
                    std::iscntrl(static_cast<unsigned char>(c)))
                    return false;
            }
            return true;
        }
        case Format::kUuid: {
            if (s.size() != 36)
                return false;
            for (std::size_t i = 0; i < 36; ++i) {
                const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? s[i] != '-' : !is_hex(s[i]))
                    return false;
            }
            return true;
        }
        case Format::kDate:
            return parse_date(s).has_value();
        case Format::kDateTime:
            return parse_timestamp(s).has_value();
        case Format::kIpv4:
            return valid_ip(AF_INET, s);
        case Format::kIpv6:
            return valid_ip(AF_INET6, s);
        case Format::kHostname:
            return valid_hostname(s);
    }
    return false;
}

void evaluate(const CompiledClass& c, const std::vector<Value>& values, std::int64_t now,
              std::vector<Violation>& out) noexcept {
    try {
        Evaluator(c, values, now, out).run();
    } catch (...) {
        // Only allocation can fail here; report it as a violation rather than throw into
        // the trigger: the row is refused either way.
        out.push_back({c.name, "internal", "could not be checked (out of memory)"});
    }
}

std::vector<Value> values_from_json(const CompiledClass& c, const Json& doc,
                                    std::vector<Violation>& out) {
    std::vector<Value> values(c.attributes.size());
    if (!doc.is_object()) {
        out.push_back({"", "type", "the document must be a JSON object"});
        return values;
    }
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (c.index_of(it.key()) < 0)
            out.push_back({it.key(), "unknown", "is not an attribute of class " + c.name});
    }
    for (std::size_t i = 0; i < c.attributes.size(); ++i) {
        const CompiledAttribute& a = c.attributes[i];
        auto it = doc.find(a.name);
        if (it == doc.end() || it->is_null())
            continue;
        Value& v = values[i];
        auto wrong = [&](const char* what) {
            out.push_back({a.name, "type", std::string("must be ") + what});
            v.is_null = false;
            v.unreadable = true;
        };
        switch (a.type) {
            case DataType::kText:
            case DataType::kReference:
                if (!it->is_string()) {
                    wrong(a.type == DataType::kText ? "a string" : "a uuid string");
                    continue;
                }
                v.text = it->get_ref<const std::string&>();
                if (a.type == DataType::kReference && !has_format(Format::kUuid, v.text)) {
                    wrong("a uuid string");
                    continue;
                }
                break;
            case DataType::kNumber:
                if (!it->is_number()) {
                    wrong("a number");
                    continue;
                }
                v.number = it->get<double>();
                break;
            case DataType::kInteger:
                if (it->is_number_unsigned() &&
                    it->get<std::uint64_t>() >
                        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                    wrong("an integer");
                    continue;
                } else if (it->is_number_integer()) {
                    v.integer = it->get<std::int64_t>();
                } else if (it->is_number_float() &&
                           std::floor(it->get<double>()) == it->get<double>() &&
                           std::fabs(it->get<double>()) < 9.2e18) {
                    v.integer = static_cast<std::int64_t>(it->get<double>());
                } else {
                    wrong("an integer");
                    continue;
                }
                break;
            case DataType::kBoolean:
                if (!it->is_boolean()) {
                    wrong("true or false");
                    continue;
                }
                v.boolean = it->get<bool>();
                break;
            case DataType::kDate:
            case DataType::kTimestamp: {
                std::optional<std::int64_t> t;
                if (it->is_string()) {
                    t = a.type == DataType::kDate
                            ? parse_date(it->get_ref<const std::string&>())
                            : parse_timestamp(it->get_ref<const std::string&>());
                }
                if (!t) {
                    wrong(a.type == DataType::kDate ? "a date (YYYY-MM-DD)"
                                                    : "a date-time (RFC 3339)");
                    continue;
                }
                v.integer = *t;
                break;
            }
            case DataType::kJson:
                break;
        }
        v.is_null = false;
    }
    return values;
}

Json to_json(const std::vector<Violation>& violations) {
    Json out = Json::array();
    for (const Violation& v : violations) {
        out.push_back({{"attribute", v.attribute}, {"rule", v.rule}, {"message", v.message}});
    }
    return out;
}

}  // namespace udm::rules
