// The large model of the GraphQL size tests: bench/graphql_bench.cpp times building and
// printing its schema, test/gateway/graphql_corpus.cpp checks its SDL against graphql-js.
// Both targets have the repository's test/ directory on their include path.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "udm/core/model.hpp"

namespace udm::test {

// A model of n classes of the same 20 attributes, of every scalar data type (each with a
// description, the text attributes with a max_length rule); every other class requires
// all its attributes.
inline model::Model large_model(std::size_t n) {
    using model::DataType;
    model::Model m;
    static const DataType kTypes[] = {DataType::kText,    DataType::kNumber, DataType::kInteger,
                                      DataType::kBoolean, DataType::kDate,   DataType::kTimestamp,
                                      DataType::kJson};
    for (int a = 0; a < 20; ++a) {
        model::Attribute attr;
        attr.name = "attribute_" + std::to_string(a);
        attr.type = kTypes[a % 7];
        attr.description = "Attribute number " + std::to_string(a);
        if (attr.type == DataType::kText)
            attr.rules = {{"max_length", 200}};
        m.attributes.emplace(attr.name, attr);
    }
    for (std::size_t c = 0; c < n; ++c) {
        model::ThingClass cls;
        cls.name = "class_" + std::to_string(c);
        cls.description = "Class number " + std::to_string(c);
        for (const auto& [name, attr] : m.attributes)
            cls.assignments.emplace(name,
                                    model::Assignment{name, c % 2 == 0, model::Json::object()});
        m.classes.emplace(cls.name, std::move(cls));
    }
    return m;
}

}  // namespace udm::test
