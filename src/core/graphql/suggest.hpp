// "Did you mean ...?" hints for unknown names, computed as graphql-js computes them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace udm::graphql {

// The options close enough to input to suggest (graphql-js suggestionList: a
// Damerau-Levenshtein distance within 40% of the input's length, case differences
// counting as one), nearest first, then in name order.
std::vector<std::string> suggestions(std::string_view input,
                                     const std::vector<std::string>& options);

// " Did you mean "a", "b", or "c"?" with at most five, preceded by what ("the enum value")
// when given; empty without suggestions.
std::string did_you_mean(const std::vector<std::string>& suggestions, std::string_view what = {});

}  // namespace udm::graphql
