// Type references: construction and printing.
#include "udm/core/graphql/type_ref.hpp"

#include <utility>

namespace udm::graphql {

TypeRef TypeRef::named(std::string name) {
    TypeRef t;
    t.name_ = std::move(name);
    return t;
}

TypeRef TypeRef::list(TypeRef of) {
    TypeRef t;
    t.kind_ = Kind::kList;
    t.of_ = std::make_shared<const TypeRef>(std::move(of));
    return t;
}

TypeRef TypeRef::non_null(TypeRef of) {
    TypeRef t;
    t.kind_ = Kind::kNonNull;
    t.of_ = std::make_shared<const TypeRef>(std::move(of));
    return t;
}

const std::string& TypeRef::named_type() const {
    const TypeRef* t = this;
    while (t->kind_ != Kind::kNamed)
        t = t->of_.get();
    return t->name_;
}

std::string TypeRef::to_string() const {
    std::string out;
    append_to(out);
    return out;
}

void TypeRef::append_to(std::string& out) const {
    switch (kind_) {
        case Kind::kNamed:
            out += name_;
            return;
        case Kind::kList:
            out += '[';
            of_->append_to(out);
            out += ']';
            return;
        case Kind::kNonNull:
            of_->append_to(out);
            out += '!';
            return;
    }
}

}  // namespace udm::graphql
