// The physical schema a model implies: table, column, constraint and index names, column
// types; and the comparison of that with what the database holds (udm.verify).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "udm/core/model.hpp"

namespace udm::physical {

// Table of a class: "tc_<class>", fitted to 63 bytes.
std::string table_name(std::string_view class_name);
// Column of an attribute: its name, fitted to 63 bytes.
std::string column_name(std::string_view attribute_name);
// Names of a class table's primary key, and of the foreign key, index and unique index of
// one of its columns. Model names hold no "__", so "<table>__<column>" is unambiguous.
std::string pkey_name(std::string_view table);
std::string fkey_name(std::string_view table, std::string_view column);
std::string index_name(std::string_view table, std::string_view column);
std::string unique_name(std::string_view table, std::string_view column);

// Throws udm::Error 42P07 when two objects of the model would get the same physical name
// (only possible through a hash collision of fitted names).
void check_name_collisions(const model::Model& m);

// The same check for a change from a model that passed it, at the cost of what delta
// touches: checks every attribute's column name, and the relation names of the classes
// delta touches among themselves. Returns the relation names those take that were not
// current's: each must be free in the tenant's schema, where the other classes' relations
// are (the caller asks the database; check_name_collisions(m) then names a collision).
std::vector<std::string> check_new_names(const model::Model& current, const model::Model& m,
                                         const model::Delta& delta);

// The query behind udm.things(tenant schema): every thing of the given classes (id and
// name of each), one UNION ALL branch a class, with the columns of view "things"; a typed
// empty query without classes.
std::string things_query(std::string_view schema,
                         const std::vector<std::pair<std::string, std::string>>& classes);

// One column of a class table as it is or should be.
struct Column {
    std::string name;
    std::string type;  // format_type() spelling, e.g. "timestamp with time zone"
    bool not_null = false;
};

// One class table as it is or should be.
struct Table {
    std::string name;
    std::string class_name;                 // from the table comment; empty if none
    std::vector<Column> columns;            // in any order
    std::vector<std::string> indexes;       // index names, including the primary key
    std::vector<std::string> foreign_keys;  // "<constraint>: <column> -> <referenced table>"
    std::vector<std::string> triggers;      // trigger names
    bool row_security = false;
};

// The class tables the model implies.
std::vector<Table> expected_tables(const model::Model& m);

// One difference between the model and the database.
struct Difference {
    std::string object;    // "tc_product", "tc_product.title", ...
    std::string problem;   // "missing table", "wrong type", ...
    std::string expected;  // empty when not applicable
    std::string actual;
};

// Every difference between the expected and the actual class tables; actual holds every
// table of the tenant schema whose name starts with "tc_".
std::vector<Difference> compare(const std::vector<Table>& expected,
                                const std::vector<Table>& actual);

}  // namespace udm::physical
