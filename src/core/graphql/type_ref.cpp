// Type references: construction and printing.
#include "udm/core/graphql/type_ref.hpp"

#include <utility>

namespace udm::graphql {

TypeRef TypeRef::named(std::string name) {
    TypeRef t;
    t.node_ = std::make_shared<const Node>(Node{Kind::kNamed, std::move(name), {}});
    return t;
}

TypeRef TypeRef::list(TypeRef of) {
    TypeRef t;
    t.node_ = std::make_shared<const Node>(Node{Kind::kList, {}, std::move(of)});
    return t;
}

TypeRef TypeRef::non_null(TypeRef of) {
    TypeRef t;
    t.node_ = std::make_shared<const Node>(Node{Kind::kNonNull, {}, std::move(of)});
    return t;
}

const std::string& TypeRef::named_type() const {
    static const std::string kNone;
    const TypeRef* t = this;
    while (t->node_ && t->node_->kind != Kind::kNamed)
        t = &t->node_->of;
    return t->node_ ? t->node_->name : kNone;
}

std::string TypeRef::to_string() const {
    std::string out;
    append_to(out);
    return out;
}

void TypeRef::append_to(std::string& out) const {
    if (!node_)
        return;
    switch (node_->kind) {
        case Kind::kNamed:
            out += node_->name;
            return;
        case Kind::kList:
            out += '[';
            node_->of.append_to(out);
            out += ']';
            return;
        case Kind::kNonNull:
            node_->of.append_to(out);
            out += '!';
            return;
    }
}

}  // namespace udm::graphql
