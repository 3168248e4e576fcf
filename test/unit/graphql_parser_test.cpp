// The parser of executable GraphQL documents: every construct of the grammar, string
// escapes and block strings, and syntax errors with graphql-js's messages and locations.
// test/integration/graphql_oracle.sh compares it with graphql-js on thousands of documents.
#include "udm/core/graphql/document.hpp"

#include <gtest/gtest.h>

#include <string>

namespace udm::graphql {
namespace {

Document parsed(const std::string& source) {
    ParseResult r = parse(source);
    EXPECT_TRUE(r.ok()) << source << "\n" << (r.error ? r.error->message : "");
    return r.document;
}

// The value of argument x of the first field of the first operation.
Value argument_value(const std::string& literal) {
    Document d = parsed("{ f(x: " + literal + ") }");
    return d.operations.at(0).selection_set.at(0).arguments.at(0).value;
}

std::string string_value(const std::string& literal) {
    return argument_value(literal).text;
}

TEST(GraphqlParser, OperationsOfEveryKind) {
    Document d = parsed(
        "{ a }\n"
        "query Q($x: Int = 5, $y: [String!]! = [\"a\"]) @dir { b }\n"
        "mutation M { c }\n"
        "subscription S { d }\n"
        "query { e }");
    ASSERT_EQ(d.operations.size(), 5u);
    EXPECT_EQ(d.operations[0].type, OperationType::kQuery);
    EXPECT_FALSE(d.operations[0].name);
    EXPECT_EQ(*d.operations[1].name, "Q");
    EXPECT_EQ(d.operations[1].name_location, (Location{2, 7}));
    ASSERT_EQ(d.operations[1].variables.size(), 2u);
    EXPECT_EQ(d.operations[1].variables[0].type.to_string(), "Int");
    EXPECT_EQ(d.operations[1].variables[0].default_value->text, "5");
    EXPECT_EQ(d.operations[1].variables[1].type.to_string(), "[String!]!");
    EXPECT_EQ(d.operations[1].variables[1].default_value->list.at(0).text, "a");
    EXPECT_EQ(d.operations[1].directives.at(0).name, "dir");
    EXPECT_EQ(d.operations[2].type, OperationType::kMutation);
    EXPECT_EQ(d.operations[3].type, OperationType::kSubscription);
    EXPECT_EQ(d.operations[4].location, (Location{5, 1}));
    EXPECT_EQ(operation_type_name(OperationType::kSubscription), "subscription");
}

TEST(GraphqlParser, FieldsAliasesArgumentsDirectivesAndFragments) {
    Document d = parsed(
        "query {\n"
        "  alias: field(a: 1, b: $v) @skip(if: false) { sub }\n"
        "  ...Named @include(if: true)\n"
        "  ... on Type { x }\n"
        "  ... @skip(if: $s) { y }\n"
        "  ... { z }\n"
        "}\n"
        "fragment Named on Type @dir { w }");
    const SelectionSet& set = d.operations.at(0).selection_set;
    ASSERT_EQ(set.size(), 5u);
    EXPECT_EQ(set[0].kind, Selection::Kind::kField);
    EXPECT_EQ(set[0].alias, "alias");
    EXPECT_EQ(set[0].name, "field");
    EXPECT_EQ(set[0].response_key(), "alias");
    EXPECT_EQ(set[0].location, (Location{2, 3}));
    EXPECT_EQ(set[0].arguments.at(1).value.kind, Value::Kind::kVariable);
    EXPECT_EQ(set[0].arguments.at(1).value.text, "v");
    EXPECT_EQ(set[0].directives.at(0).name, "skip");
    EXPECT_EQ(set[0].selection_set.at(0).name, "sub");
    EXPECT_EQ(set[0].selection_set_location, (Location{2, 46}));
    EXPECT_EQ(set[1].kind, Selection::Kind::kFragmentSpread);
    EXPECT_EQ(set[1].name, "Named");
    EXPECT_EQ(set[1].name_location, (Location{3, 6}));
    EXPECT_EQ(set[2].kind, Selection::Kind::kInlineFragment);
    EXPECT_EQ(*set[2].type_condition, "Type");
    EXPECT_FALSE(set[3].type_condition);
    EXPECT_EQ(set[3].directives.at(0).name, "skip");
    EXPECT_FALSE(set[4].type_condition);
    ASSERT_EQ(d.fragments.size(), 1u);
    EXPECT_EQ(d.fragments[0].name, "Named");
    EXPECT_EQ(d.fragments[0].type_condition, "Type");
    EXPECT_EQ(d.fragments[0].directives.at(0).name, "dir");
}

TEST(GraphqlParser, EveryKindOfValue) {
    EXPECT_EQ(argument_value("-12").kind, Value::Kind::kInt);
    EXPECT_EQ(argument_value("-12").text, "-12");
    EXPECT_EQ(argument_value("0").kind, Value::Kind::kInt);
    EXPECT_EQ(argument_value("1.5e-3").kind, Value::Kind::kFloat);
    EXPECT_EQ(argument_value("1E3").kind, Value::Kind::kFloat);
    EXPECT_EQ(argument_value("true").kind, Value::Kind::kBoolean);
    EXPECT_TRUE(argument_value("true").boolean);
    EXPECT_FALSE(argument_value("false").boolean);
    EXPECT_EQ(argument_value("null").kind, Value::Kind::kNull);
    EXPECT_EQ(argument_value("INSERT").kind, Value::Kind::kEnum);
    EXPECT_EQ(argument_value("$v").kind, Value::Kind::kVariable);
    Value list = argument_value("[1, \"a\", [true], {k: null}]");
    ASSERT_EQ(list.list.size(), 4u);
    EXPECT_EQ(list.list[2].list.at(0).kind, Value::Kind::kBoolean);
    EXPECT_EQ(list.list[3].fields.at(0).first, "k");
    EXPECT_TRUE(argument_value("[]").list.empty());
    EXPECT_TRUE(argument_value("{}").fields.empty());
}

TEST(GraphqlParser, StringEscapes) {
    EXPECT_EQ(string_value(R"("plain")"), "plain");
    EXPECT_EQ(string_value(R"("\" \\ \/ \b \f \n \r \t")"), "\" \\ / \b \f \n \r \t");
    EXPECT_EQ(string_value(R"("\u00e9\u00E9")"), "\xc3\xa9\xc3\xa9");
    EXPECT_EQ(string_value(R"("\uD83D\uDE00")"), "\xf0\x9f\x98\x80");
    EXPECT_EQ(string_value(R"("\u{1F600}\u{41}\u{000041}")"),
              "\xf0\x9f\x98\x80"
              "AA");
    EXPECT_EQ(string_value("\"raw \xc3\xa9 \x01 tab\t\""), "raw \xc3\xa9 \x01 tab\t");
}

TEST(GraphqlParser, BlockStringsAreDedented) {
    EXPECT_EQ(string_value("\"\"\"simple\"\"\""), "simple");
    EXPECT_EQ(string_value("\"\"\"\n    Hello,\n      World!\n\n    Yours\n  \"\"\""),
              "Hello,\n  World!\n\nYours");
    EXPECT_EQ(string_value("\"\"\"quote \\\"\"\" and \\n\"\"\""), "quote \"\"\" and \\n");
    EXPECT_EQ(string_value("\"\"\"  first line keeps\n  rest\"\"\""), "  first line keeps\nrest");
    EXPECT_EQ(string_value("\"\"\"a\r\nb\rc\"\"\""), "a\nb\nc");
    EXPECT_EQ(string_value("\"\"\"\n\n   \n\"\"\""), "");
}

TEST(GraphqlParser, IgnoredTokensCommentsCommasAndTheByteOrderMark) {
    Document d = parsed("\xef\xbb\xbf# leading comment\n{,a,,b # trailing\n\xef\xbb\xbf c}\r\n");
    EXPECT_EQ(d.operations.at(0).selection_set.size(), 3u);
    EXPECT_EQ(d.operations[0].selection_set[2].location, (Location{3, 3}));  // the BOM is a column
}

TEST(GraphqlParser, ColumnsCountUtf16CodeUnits) {
    ParseResult r = parse("{ a(x: \"\xc3\xa9\xf0\x9f\x98\x80\") % }");
    ASSERT_FALSE(r.ok());
    // é is one UTF-16 unit, the emoji two.
    EXPECT_EQ(r.error->locations.at(0), (Location{1, 15}));
}

// --- syntax errors -------------------------------------------------------------------------

struct BadDocument {
    const char* source;
    const char* message;
    int line;
    int column;
};

class GraphqlSyntaxError : public ::testing::TestWithParam<BadDocument> {};

TEST_P(GraphqlSyntaxError, MessageAndLocationAsGraphqlJs) {
    const BadDocument& c = GetParam();
    ParseResult r = parse(c.source);
    ASSERT_FALSE(r.ok()) << c.source;
    EXPECT_EQ(r.error->message, c.message) << c.source;
    ASSERT_EQ(r.error->locations.size(), 1u);
    EXPECT_EQ(r.error->locations[0], (Location{c.line, c.column})) << c.source;
}

// Each message and location checked against graphql-js 16.9's parse, but for type
// definitions (graphql-js parses them and its validation refuses them) and invalid UTF-8
// (JavaScript strings cannot hold it).
INSTANTIATE_TEST_SUITE_P(
    Cases, GraphqlSyntaxError,
    ::testing::Values(
        BadDocument{"", "Syntax Error: Unexpected <EOF>.", 1, 1},
        BadDocument{"  # only a comment", "Syntax Error: Unexpected <EOF>.", 1, 19},
        BadDocument{"{", "Syntax Error: Expected Name, found <EOF>.", 1, 2},
        BadDocument{"{ }", "Syntax Error: Expected Name, found \"}\".", 1, 3},
        BadDocument{"{ a", "Syntax Error: Expected Name, found <EOF>.", 1, 4},
        BadDocument{"}", "Syntax Error: Unexpected \"}\".", 1, 1},
        BadDocument{"type T { a: Int }", "Syntax Error: Unexpected Name \"type\".", 1, 1},
        BadDocument{"\"desc\" query { a }",
                    "Syntax Error: Unexpected description, descriptions are supported only on type "
                    "definitions.",
                    1, 1},
        BadDocument{"{ a(x: \"abc) }", "Syntax Error: Unterminated string.", 1, 15},
        BadDocument{"{ a(x: \"abc\n\") }", "Syntax Error: Unterminated string.", 1, 12},
        BadDocument{"{ a(x: \"\"\"abc) }", "Syntax Error: Unterminated string.", 1, 17},
        BadDocument{"{ a(x: 'b') }",
                    "Syntax Error: Unexpected single quote character ('), did you mean to use a "
                    "double quote (\")?",
                    1, 8},
        BadDocument{"{ a(x: 01) }",
                    "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 9},
        BadDocument{"{ a(x: 1.) }", "Syntax Error: Invalid number, expected digit but got: \")\".",
                    1, 10},
        BadDocument{"{ a(x: 1.5.) }",
                    "Syntax Error: Invalid number, expected digit but got: \".\".", 1, 11},
        BadDocument{"{ a(x: 1x) }", "Syntax Error: Invalid number, expected digit but got: \"x\".",
                    1, 9},
        BadDocument{"{ a(x: 1e) }", "Syntax Error: Invalid number, expected digit but got: \")\".",
                    1, 10},
        BadDocument{"{ a(x: -) }", "Syntax Error: Invalid number, expected digit but got: \")\".",
                    1, 9},
        BadDocument{"{ a(x: 1", "Syntax Error: Expected Name, found <EOF>.", 1, 9},
        BadDocument{"{ a(x: \"\\q\") }",
                    "Syntax Error: Invalid character escape sequence: \"\\q\".", 1, 9},
        BadDocument{"{ a(x: \"\\uD83Dz\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".", 1, 9},
        BadDocument{"{ a(x: \"\\uDE00\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\uDE00\".", 1, 9},
        BadDocument{"{ a(x: \"\\u12\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u12\")\".", 1, 9},
        BadDocument{"{ a(x: \"\\u{}\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{}\".", 1, 9},
        // A message quoting the source never cuts a character in two.
        BadDocument{"{ a(x: \"\\u006\xd9\x99\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u006\xd9\x99\".", 1, 9},
        BadDocument{"{ a(x: \"\\u{1\xc3\xa9}\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{1\xc3\xa9\".", 1, 9},
        BadDocument{"{ a(x: \"\\u{110000}\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{110000}\".", 1, 9},
        BadDocument{"{ a(x: \"\\u{D800}\") }",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{D800}\".", 1, 9},
        BadDocument{"{ a % }", "Syntax Error: Unexpected character: \"%\".", 1, 5},
        BadDocument{"{ a .b }", "Syntax Error: Unexpected character: \".\".", 1, 5},
        BadDocument{"{ a \x01 }", "Syntax Error: Unexpected character: U+0001.", 1, 5},
        BadDocument{"\xc3\xa9 { a }", "Syntax Error: Unexpected character: U+00E9.", 1, 1},
        BadDocument{"{ a }\n\n  \xff", "Syntax Error: Invalid UTF-8.", 3, 3},
        BadDocument{"query ($x: Int = $y) { a }",
                    "Syntax Error: Unexpected variable \"$y\" in constant value.", 1, 18},
        BadDocument{"query ($x: Int = [1, $y]) { a }",
                    "Syntax Error: Unexpected variable \"$y\" in constant value.", 1, 22},
        BadDocument{"query () { a }", "Syntax Error: Expected \"$\", found \")\".", 1, 8},
        BadDocument{"query ($x) { a }", "Syntax Error: Expected \":\", found \")\".", 1, 10},
        BadDocument{"query ($x: ) { a }", "Syntax Error: Expected Name, found \")\".", 1, 12},
        BadDocument{"query ($x: [Int) { a }", "Syntax Error: Expected \"]\", found \")\".", 1, 16},
        BadDocument{"query Q", "Syntax Error: Expected \"{\", found <EOF>.", 1, 8},
        BadDocument{"{ a() }", "Syntax Error: Expected Name, found \")\".", 1, 5},
        BadDocument{"{ a(x) }", "Syntax Error: Expected \":\", found \")\".", 1, 6},
        BadDocument{"{ a(x: ) }", "Syntax Error: Unexpected \")\".", 1, 8},
        BadDocument{"{ a(x: $) }", "Syntax Error: Expected Name, found \")\".", 1, 9},
        BadDocument{"{ a(x: {b}) }", "Syntax Error: Expected \":\", found \"}\".", 1, 10},
        BadDocument{"{ a @ }", "Syntax Error: Expected Name, found \"}\".", 1, 7},
        BadDocument{"{ ... }", "Syntax Error: Expected \"{\", found \"}\".", 1, 7},
        BadDocument{"{ ...on }", "Syntax Error: Expected Name, found \"}\".", 1, 9},
        BadDocument{"fragment on on T { a }", "Syntax Error: Unexpected Name \"on\".", 1, 10},
        BadDocument{"fragment F T { a }", "Syntax Error: Expected \"on\", found Name \"T\".", 1,
                    12},
        BadDocument{"fragment F on T", "Syntax Error: Expected \"{\", found <EOF>.", 1, 16},
        BadDocument{"subscription S S { a }", "Syntax Error: Expected \"{\", found Name \"S\".", 1,
                    16},
        BadDocument{"{ a }\r\n{ b ! }", "Syntax Error: Expected Name, found \"!\".", 2, 5},
        BadDocument{"{ a }\r{ b 7 }", "Syntax Error: Expected Name, found Int \"7\".", 2, 5}));

// --- limits ----------------------------------------------------------------------------------

TEST(GraphqlParserLimits, DocumentSize) {
    ParseLimits limits;
    limits.max_bytes = 10;
    ParseResult r = parse("{ aaaaaaaaaa }", limits);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->message, "Document too large: 14 bytes (at most 10).");
    EXPECT_TRUE(r.error->locations.empty());
    EXPECT_TRUE(parse("{ aaaaaa }", limits).ok());
}

TEST(GraphqlParserLimits, TokenCount) {
    ParseLimits limits;
    limits.max_tokens = 5;
    EXPECT_TRUE(parse("{ a b c } # comments are free", limits).ok());
    ParseResult r = parse("{ a b c d }", limits);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->message,
              "Syntax Error: Document contains more than 5 tokens. Parsing aborted.");
    EXPECT_EQ(r.error->locations.at(0), (Location{1, 11}));
}

TEST(GraphqlParserLimits, NestingDepthFailsCleanlyInsteadOfRecursingDeeply) {
    std::string deep;
    for (int i = 0; i < 100000; ++i)
        deep += "{ a ";
    ParseResult r = parse(deep, ParseLimits{1 << 20, 1 << 20, 64});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->message, "Document is nested too deeply (more than 64 levels).");
    EXPECT_EQ(r.error->locations.at(0), (Location{1, 1 + 64 * 4}));

    std::string lists = "{ a(x: " + std::string(100000, '[') + ") }";
    ParseResult l = parse(lists, ParseLimits{1 << 20, 1 << 20, 64});
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error->message, "Document is nested too deeply (more than 64 levels).");

    std::string types = "query ($x: " + std::string(100000, '[') + "Int) { a }";
    EXPECT_FALSE(parse(types, ParseLimits{1 << 20, 1 << 20, 64}).ok());

    std::string ok = "{ a(x: [[[1]]]) { b { c } } }";
    EXPECT_TRUE(parse(ok, ParseLimits{1 << 20, 1 << 20, 6}).ok());
}

TEST(GraphqlParserLimits, ErrorsAsResponseJson) {
    ParseResult r = parse("{");
    EXPECT_EQ(
        r.error->to_json().dump(),
        R"({"message":"Syntax Error: Expected Name, found <EOF>.","locations":[{"line":1,"column":2}]})");
    EXPECT_EQ(to_json(std::vector<Error>{*r.error}).size(), 1u);
}

}  // namespace
}  // namespace udm::graphql
