//===- JsonFuzzer.cpp - Fuzz target of the JSON parser --------------------===//
//
// The input is JSON text (a safetensors header, for instance). parseJson
// must accept it or fail with "byte N: ..." where N lies in the text. What
// it accepts must keep Json.h's promises: strings and keys valid UTF-8, an
// Integer's number its value as a double, nesting within the depth limit;
// and written back as JSON (appendJsonString for the strings) it must parse
// to the same value.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"

#include "heed/io/Json.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace heed::io;

/// Checks the promises of Json.h on a parsed \p value at \p depth (1 for
/// the outermost array or object).
static void checkValue(const JsonValue &value, unsigned depth) {
  switch (value.kind) {
  case JsonValue::Kind::Integer:
    HEED_FUZZ_CHECK(value.number == (double)value.integer);
    break;
  case JsonValue::Kind::Number:
    HEED_FUZZ_CHECK(std::isfinite(value.number));
    break;
  case JsonValue::Kind::String:
    HEED_FUZZ_CHECK(isValidUtf8(value.string));
    break;
  case JsonValue::Kind::Array:
    HEED_FUZZ_CHECK(depth <= kDefaultJsonMaxDepth);
    for (const JsonValue &e : value.array)
      checkValue(e, depth + 1);
    break;
  case JsonValue::Kind::Object:
    HEED_FUZZ_CHECK(depth <= kDefaultJsonMaxDepth);
    for (const auto &[key, member] : value.object) {
      HEED_FUZZ_CHECK(isValidUtf8(key));
      checkValue(member, depth + 1);
    }
    break;
  default:
    break;
  }
}

/// Writes \p value as JSON text that parses back to it: a Number always
/// with a fraction or an exponent (so it stays a Number), with 17
/// significant digits (so it stays the same double).
static void writeJson(const JsonValue &value, std::string &out) {
  switch (value.kind) {
  case JsonValue::Kind::Null:
    out += "null";
    break;
  case JsonValue::Kind::Bool:
    out += value.boolean ? "true" : "false";
    break;
  case JsonValue::Kind::Integer:
    out += std::to_string(value.integer);
    break;
  case JsonValue::Kind::Number: {
    char text[40];
    std::snprintf(text, sizeof(text), "%.17g", value.number);
    out += text;
    if (!std::strpbrk(text, ".e"))
      out += ".0";
    break;
  }
  case JsonValue::Kind::String:
    appendJsonString(out, value.string);
    break;
  case JsonValue::Kind::Array:
    out += '[';
    for (size_t i = 0; i < value.array.size(); ++i) {
      if (i)
        out += ',';
      writeJson(value.array[i], out);
    }
    out += ']';
    break;
  case JsonValue::Kind::Object:
    out += '{';
    for (size_t i = 0; i < value.object.size(); ++i) {
      if (i)
        out += ',';
      appendJsonString(out, value.object[i].first);
      out += ':';
      writeJson(value.object[i].second, out);
    }
    out += '}';
    break;
  }
}

static bool sameValue(const JsonValue &a, const JsonValue &b) {
  if (a.kind != b.kind)
    return false;
  switch (a.kind) {
  case JsonValue::Kind::Null:
    return true;
  case JsonValue::Kind::Bool:
    return a.boolean == b.boolean;
  case JsonValue::Kind::Integer:
    return a.integer == b.integer;
  case JsonValue::Kind::Number:
    return a.number == b.number &&
           std::signbit(a.number) == std::signbit(b.number);
  case JsonValue::Kind::String:
    return a.string == b.string;
  case JsonValue::Kind::Array:
    if (a.array.size() != b.array.size())
      return false;
    for (size_t i = 0; i < a.array.size(); ++i)
      if (!sameValue(a.array[i], b.array[i]))
        return false;
    return true;
  case JsonValue::Kind::Object:
    if (a.object.size() != b.object.size())
      return false;
    for (size_t i = 0; i < a.object.size(); ++i)
      if (a.object[i].first != b.object[i].first ||
          !sameValue(a.object[i].second, b.object[i].second))
        return false;
    return true;
  }
  return false;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  JsonValue value;
  std::string error;
  if (!parseJson(text, value, error)) {
    // "byte N: what", N at most the text's size.
    HEED_FUZZ_CHECK(error.rfind("byte ", 0) == 0);
    char *end = nullptr;
    unsigned long long at = std::strtoull(error.c_str() + 5, &end, 10);
    HEED_FUZZ_CHECK(end != error.c_str() + 5 && *end == ':' && at <= size);
    return 0;
  }
  checkValue(value, 1);
  std::string written;
  writeJson(value, written);
  JsonValue back;
  HEED_FUZZ_CHECK(parseJson(written, back, error));
  HEED_FUZZ_CHECK(sameValue(back, value));
  return 0;
}
