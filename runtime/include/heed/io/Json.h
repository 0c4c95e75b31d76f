//===- Json.h - A small strict JSON parser ----------------------*- C++ -*-===//
//
// A strict (RFC 8259) JSON parser with a nesting limit, sufficient for the
// header of a .safetensors file. It never throws; errors carry the byte
// offset at which parsing failed.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_JSON_H
#define HEED_IO_JSON_H

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heed {
namespace io {

/// A parsed JSON value.
struct JsonValue {
  /// What the value is. A number without a fraction or an exponent that fits
  /// in an int64_t is an Integer; every other number is a Number.
  enum class Kind { Null, Bool, Integer, Number, String, Array, Object };

  Kind kind = Kind::Null;
  /// The value of a Bool.
  bool boolean = false;
  /// The value of an Integer.
  int64_t integer = 0;
  /// The value of a Number, and of an Integer converted to double.
  double number = 0;
  /// The value of a String, in UTF-8 with escapes decoded.
  std::string string;
  /// The elements of an Array.
  std::vector<JsonValue> array;
  /// The members of an Object in the order they appear in the text. Duplicate
  /// keys are kept; callers that care reject them.
  std::vector<std::pair<std::string, JsonValue>> object;

  bool isNull() const { return kind == Kind::Null; }
  bool isBool() const { return kind == Kind::Bool; }
  bool isInteger() const { return kind == Kind::Integer; }
  bool isNumber() const {
    return kind == Kind::Integer || kind == Kind::Number;
  }
  bool isString() const { return kind == Kind::String; }
  bool isArray() const { return kind == Kind::Array; }
  bool isObject() const { return kind == Kind::Object; }

  /// Returns the first member of an Object named \p key, or nullptr when
  /// there is none or this is not an Object.
  const JsonValue *get(std::string_view key) const;
};

/// The nesting depth parseJson accepts by default.
constexpr unsigned kDefaultJsonMaxDepth = 64;

/// Parses \p text, which must hold exactly one JSON value (surrounded by
/// optional whitespace), into \p out. Strings must be valid UTF-8; \uXXXX
/// escapes (including surrogate pairs) are decoded to UTF-8. Arrays and
/// objects may nest at most \p maxDepth deep. On failure returns false and
/// sets \p error to a message such as "byte 12: expected ':' after object
/// key".
bool parseJson(std::string_view text, JsonValue &out, std::string &error,
               unsigned maxDepth = kDefaultJsonMaxDepth);

/// Appends \p s to \p out as a JSON string literal, quotes included. \p s
/// must be valid UTF-8; control characters, '"' and '\\' are escaped.
void appendJsonString(std::string &out, std::string_view s);

/// Returns true when \p s is well-formed UTF-8 (no overlong forms, no
/// surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view s);

} // namespace io
} // namespace heed

#endif // HEED_IO_JSON_H
