//===- JsonTest.cpp - Tests for the strict JSON parser --------------------===//
//
// Expected values are worked out by hand from RFC 8259 and the UTF-8
// encoding rules (RFC 3629); the comments show the working.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Json.h"

#include <gtest/gtest.h>

using namespace heed::io;

namespace {

/// Parses \p text, expecting success.
JsonValue parseOk(std::string_view text) {
  JsonValue v;
  std::string error;
  EXPECT_TRUE(parseJson(text, v, error)) << "input: " << text << "\n" << error;
  return v;
}

/// Parses \p text, expecting failure, and returns the error.
std::string parseError(std::string_view text) {
  JsonValue v;
  std::string error;
  EXPECT_FALSE(parseJson(text, v, error)) << "input: " << text;
  return error;
}

TEST(JsonTest, Literals) {
  EXPECT_TRUE(parseOk("null").isNull());
  JsonValue t = parseOk(" true ");
  ASSERT_TRUE(t.isBool());
  EXPECT_TRUE(t.boolean);
  JsonValue f = parseOk("\n\tfalse\r\n");
  ASSERT_TRUE(f.isBool());
  EXPECT_FALSE(f.boolean);
}

TEST(JsonTest, Integers) {
  JsonValue v = parseOk("42");
  ASSERT_TRUE(v.isInteger());
  EXPECT_EQ(v.integer, 42);
  EXPECT_EQ(parseOk("-7").integer, -7);
  EXPECT_EQ(parseOk("0").integer, 0);
  EXPECT_TRUE(parseOk("-0").isInteger());
  // The int64 limits, 2^63 - 1 and -2^63.
  EXPECT_EQ(parseOk("9223372036854775807").integer, INT64_MAX);
  EXPECT_EQ(parseOk("-9223372036854775808").integer, INT64_MIN);
  // 2^63 does not fit in an int64: it becomes a Number.
  JsonValue big = parseOk("9223372036854775808");
  ASSERT_EQ(big.kind, JsonValue::Kind::Number);
  EXPECT_EQ(big.number, 9223372036854775808.0);
}

TEST(JsonTest, Numbers) {
  JsonValue v = parseOk("1.5");
  ASSERT_EQ(v.kind, JsonValue::Kind::Number);
  EXPECT_EQ(v.number, 1.5);
  EXPECT_FALSE(v.isInteger());
  EXPECT_TRUE(v.isNumber());
  EXPECT_EQ(parseOk("2e3").number, 2000.0);
  EXPECT_EQ(parseOk("2E+3").number, 2000.0);
  EXPECT_EQ(parseOk("-0.25e-2").number, -0.0025); // -0.25 / 100
  EXPECT_EQ(parseOk("1.0").kind, JsonValue::Kind::Number);
}

TEST(JsonTest, Strings) {
  EXPECT_EQ(parseOk("\"\"").string, "");
  EXPECT_EQ(parseOk("\"abc\"").string, "abc");
  // The eight two-character escapes of RFC 8259 section 7.
  EXPECT_EQ(parseOk(R"("q\"b\\s\/b\bf\fn\nr\rt\t")").string,
            "q\"b\\s/b\bf\fn\nr\rt\t");
  // U+00E9: 0xE9 = 00011 101001 -> 110'00011 10'101001 = C3 A9.
  EXPECT_EQ(parseOk(R"("\u00e9")").string, "\xC3\xA9");
  EXPECT_EQ(parseOk(R"("\u00E9")").string, "\xC3\xA9");
  // U+0041 is 'A'; U+0000 is a NUL byte.
  EXPECT_EQ(parseOk(R"("\u0041")").string, "A");
  EXPECT_EQ(parseOk(R"("\u0000")").string, std::string(1, '\0'));
  // U+20AC (euro sign): 0010 000010 101100 -> E2 82 AC.
  EXPECT_EQ(parseOk(R"("\u20ac")").string, "\xE2\x82\xAC");
  // The surrogate pair D83D DE00 is U+1F600:
  // 0x10000 + (0x3D << 10) + 0x200 = 0x1F600 -> F0 9F 98 80.
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").string, "\xF0\x9F\x98\x80");
  // Raw UTF-8 passes through unchanged.
  EXPECT_EQ(parseOk("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").string,
            "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(JsonTest, ArraysAndObjects) {
  JsonValue v =
      parseOk(R"( { "b" : [1, 2.5, "x", [], {}], "a": {"n": null} } )");
  ASSERT_TRUE(v.isObject());
  ASSERT_EQ(v.object.size(), 2u);
  // Members keep their order in the text.
  EXPECT_EQ(v.object[0].first, "b");
  EXPECT_EQ(v.object[1].first, "a");
  const JsonValue *b = v.get("b");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->isArray());
  ASSERT_EQ(b->array.size(), 5u);
  EXPECT_EQ(b->array[0].integer, 1);
  EXPECT_EQ(b->array[1].number, 2.5);
  EXPECT_EQ(b->array[2].string, "x");
  EXPECT_TRUE(b->array[3].isArray());
  EXPECT_TRUE(b->array[3].array.empty());
  EXPECT_TRUE(b->array[4].isObject());
  EXPECT_TRUE(b->array[4].object.empty());
  ASSERT_NE(v.get("a"), nullptr);
  EXPECT_TRUE(v.get("a")->get("n")->isNull());
  EXPECT_EQ(v.get("missing"), nullptr);
  EXPECT_EQ(b->get("b"), nullptr); // Not an object.
}

TEST(JsonTest, DuplicateKeysAreKept) {
  JsonValue v = parseOk(R"({"k": 1, "k": 2})");
  ASSERT_EQ(v.object.size(), 2u);
  EXPECT_EQ(v.get("k")->integer, 1); // get() returns the first.
}

TEST(JsonTest, ErrorsNameTheByteOffset) {
  // Offsets are counted by hand from 0.
  EXPECT_EQ(parseError("[1,]"), "byte 3: unexpected character ']'; "
                                "expected a value");
  EXPECT_EQ(parseError(R"({"a" 1})"), "byte 5: expected ':' after object key");
  EXPECT_EQ(parseError("{\"a\":1,}"),
            "byte 7: expected a string as object key");
  EXPECT_EQ(parseError("[1 2]"), "byte 3: expected ',' or ']' in array");
  EXPECT_EQ(parseError("{} x"), "byte 3: unexpected text after the JSON value");
  EXPECT_EQ(parseError(""),
            "byte 0: unexpected end of input; expected a value");
  EXPECT_EQ(parseError("   "),
            "byte 3: unexpected end of input; expected a value");
  EXPECT_EQ(parseError("[1,"),
            "byte 3: unexpected end of input; expected a value");
  EXPECT_EQ(parseError("{\"a\":1"),
            "byte 6: unexpected end of input; expected ',' or '}'");
  EXPECT_EQ(parseError("  \"abc"), "byte 2: unterminated string");
}

TEST(JsonTest, RejectsNonStrictSyntax) {
  EXPECT_NE(parseError("01").find("leading zeros"), std::string::npos);
  EXPECT_NE(parseError("-01").find("leading zeros"), std::string::npos);
  EXPECT_NE(parseError("1.").find("after the decimal point"),
            std::string::npos);
  EXPECT_NE(parseError(".5").find("unexpected character '.'"),
            std::string::npos);
  EXPECT_NE(parseError("1e").find("exponent"), std::string::npos);
  EXPECT_NE(parseError("-").find("expected a digit"), std::string::npos);
  EXPECT_NE(parseError("+1").find("unexpected character '+'"),
            std::string::npos);
  EXPECT_NE(parseError("1e400").find("number out of range"), std::string::npos);
  EXPECT_NE(parseError("NaN").find("unexpected character 'N'"),
            std::string::npos);
  EXPECT_NE(parseError("tru").find("expected 'true'"), std::string::npos);
  EXPECT_NE(parseError("nul").find("expected 'null'"), std::string::npos);
  EXPECT_NE(parseError("'a'").find("unexpected character '''"),
            std::string::npos);
  EXPECT_NE(parseError("{a: 1}").find("object key"), std::string::npos);
  EXPECT_NE(parseError("[1] // c").find("unexpected text"), std::string::npos);
  EXPECT_NE(parseError("1 2").find("unexpected text"), std::string::npos);
}

TEST(JsonTest, RejectsBadStrings) {
  EXPECT_EQ(parseError(R"("a\x")"), "byte 2: invalid escape sequence '\\x'");
  EXPECT_EQ(parseError(R"("\u12G4")"),
            "byte 5: invalid hex digit in \\u escape");
  EXPECT_EQ(parseError(R"("\u12")"), "byte 3: truncated \\u escape");
  EXPECT_EQ(parseError(R"("\ude00")"),
            "byte 1: unpaired low surrogate in \\u escape");
  EXPECT_EQ(parseError(R"("\ud83d")"),
            "byte 1: unpaired high surrogate in \\u escape");
  EXPECT_EQ(parseError(R"("\ud83d\u0041")"),
            "byte 1: unpaired high surrogate in \\u escape");
  EXPECT_EQ(parseError("\"a\nb\""),
            "byte 2: unescaped control character 0x0A in string");
  // 0xFF never occurs in UTF-8; C0 AF is an overlong '/'; ED A0 80 is the
  // surrogate U+D800; F4 90 80 80 is above U+10FFFF; C3 alone is truncated.
  EXPECT_EQ(parseError("\"\xFF\""), "byte 1: invalid UTF-8 in string");
  EXPECT_EQ(parseError("\"\xC0\xAF\""), "byte 1: invalid UTF-8 in string");
  EXPECT_EQ(parseError("\"\xED\xA0\x80\""), "byte 1: invalid UTF-8 in string");
  EXPECT_EQ(parseError("\"\xF4\x90\x80\x80\""),
            "byte 1: invalid UTF-8 in string");
  EXPECT_EQ(parseError("\"\xC3\""), "byte 1: invalid UTF-8 in string");
}

TEST(JsonTest, DepthLimit) {
  auto nested = [](int depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  parseOk(nested(64));
  // The 65th '[' is at byte 64.
  EXPECT_EQ(parseError(nested(65)), "byte 64: nesting deeper than 64 levels");
  // Objects count too: {"a":{"a":... with 65 levels.
  std::string objects;
  for (int i = 0; i < 65; ++i)
    objects += "{\"a\":";
  objects += "1" + std::string(65, '}');
  EXPECT_NE(parseError(objects).find("nesting deeper than 64"),
            std::string::npos);
  // A custom limit.
  JsonValue v;
  std::string error;
  EXPECT_FALSE(parseJson("[[[]]]", v, error, 2));
  EXPECT_EQ(error, "byte 2: nesting deeper than 2 levels");
  // A very deep document fails cleanly instead of overflowing the stack.
  EXPECT_NE(parseError(std::string(1000000, '[')).find("nesting deeper"),
            std::string::npos);
}

TEST(JsonTest, AppendJsonStringRoundTrips) {
  std::string s = std::string("a\"b\\c\n\t\x01 \xC3\xA9") + '\0';
  std::string literal;
  appendJsonString(literal, s);
  // Hand-written: quote and backslash escaped, control characters as \n,
  // \t and \u00XX, UTF-8 kept as is.
  EXPECT_EQ(literal, "\"a\\\"b\\\\c\\n\\t\\u0001 \xC3\xA9\\u0000\"");
  EXPECT_EQ(parseOk(literal).string, s);
}

TEST(JsonTest, IsValidUtf8) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\x80"));
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));
  EXPECT_FALSE(isValidUtf8("\xF8\x88\x80\x80\x80"));
}

TEST(JsonTest, FailureLeavesValueEmpty) {
  JsonValue v = parseOk("[1, 2]");
  std::string error;
  EXPECT_FALSE(parseJson("[1, 2", v, error));
  EXPECT_TRUE(v.isNull());
  EXPECT_TRUE(v.array.empty());
}

} // namespace
