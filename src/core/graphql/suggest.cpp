// Suggestions for misspelt names.
#include "suggest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>

namespace udm::graphql {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// graphql-js LexicalDistance.measure: the optimal string alignment distance of the
// lower-cased strings, or nullopt when it exceeds threshold.
std::optional<std::size_t> distance(std::string_view input, std::string_view option,
                                    std::size_t threshold) {
    if (input == option)
        return 0;
    std::string a = lower(option), b = lower(input);
    if (a == b)
        return 1;
    if (a.size() < b.size())
        std::swap(a, b);
    if (a.size() - b.size() > threshold)
        return std::nullopt;
    std::array<std::vector<std::size_t>, 3> rows;
    for (auto& r : rows)
        r.assign(b.size() + 1, 0);
    for (std::size_t j = 0; j <= b.size(); ++j)
        rows[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        const auto& up = rows[(i - 1) % 3];
        auto& row = rows[i % 3];
        std::size_t smallest = row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            std::size_t cell = std::min({up[j] + 1, row[j - 1] + 1, up[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                cell = std::min(cell, rows[(i - 2) % 3][j - 2] + 1);
            }
            smallest = std::min(smallest, cell);
            row[j] = cell;
        }
        if (smallest > threshold)
            return std::nullopt;
    }
    const std::size_t d = rows[a.size() % 3][b.size()];
    return d <= threshold ? std::optional<std::size_t>(d) : std::nullopt;
}

}  // namespace

std::vector<std::string> suggestions(std::string_view input,
                                     const std::vector<std::string>& options) {
    const std::size_t threshold = input.size() * 4 / 10 + 1;
    std::vector<std::pair<std::size_t, std::string>> found;
    for (const std::string& o : options) {
        if (auto d = distance(input, o, threshold))
            found.emplace_back(*d, o);
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& [d, o] : found)
        out.push_back(std::move(o));
    return out;
}

std::string did_you_mean(const std::vector<std::string>& list, std::string_view what) {
    if (list.empty())
        return {};
    std::string out = " Did you mean ";
    if (!what.empty())
        out += std::string(what) + " ";
    const std::size_t n = std::min<std::size_t>(list.size(), 5);
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0)
            out += n == 2 ? " or " : (i + 1 == n ? ", or " : ", ");
        out += "\"" + list[i] + "\"";
    }
    return out + "?";
}

}  // namespace udm::graphql
