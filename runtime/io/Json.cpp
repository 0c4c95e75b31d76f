//===- Json.cpp - A small strict JSON parser ------------------------------===//
//
// A recursive-descent parser for RFC 8259 JSON. The recursion is bounded by
// the nesting limit, every read is bounds-checked, and nothing throws.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Json.h"

#include <charconv>
#include <cstdio>

using namespace heed::io;

const JsonValue *JsonValue::get(std::string_view key) const {
  if (kind != Kind::Object)
    return nullptr;
  for (const auto &member : object)
    if (member.first == key)
      return &member.second;
  return nullptr;
}

/// Returns the length of the well-formed UTF-8 sequence at the start of
/// \p s (of \p n bytes), or 0 when it is malformed or truncated.
static size_t utf8SequenceLength(const unsigned char *s, size_t n) {
  if (n == 0)
    return 0;
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; // Allowed range of the second byte.
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0)
      lo = 0xA0; // No overlong forms.
    else if (c == 0xED)
      hi = 0x9F; // No UTF-16 surrogates.
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0)
      lo = 0x90; // No overlong forms.
    else if (c == 0xF4)
      hi = 0x8F; // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < len; ++i)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  return len;
}

bool heed::io::isValidUtf8(std::string_view s) {
  const auto *p = reinterpret_cast<const unsigned char *>(s.data());
  size_t n = s.size();
  while (n) {
    size_t len = utf8SequenceLength(p, n);
    if (len == 0)
      return false;
    p += len;
    n -= len;
  }
  return true;
}

/// Appends the UTF-8 encoding of the code point \p cp to \p out.
static void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += (char)cp;
  } else if (cp < 0x800) {
    out += (char)(0xC0 | (cp >> 6));
    out += (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += (char)(0xE0 | (cp >> 12));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  } else {
    out += (char)(0xF0 | (cp >> 18));
    out += (char)(0x80 | ((cp >> 12) & 0x3F));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  }
}

void heed::io::appendJsonString(std::string &out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    unsigned char c = (unsigned char)ch;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += ch;
      }
    }
  }
  out += '"';
}

namespace {

/// The parser state: the text, the read position and the first error.
class Parser {
public:
  Parser(std::string_view text, unsigned maxDepth)
      : text(text), maxDepth(maxDepth) {}

  bool parseDocument(JsonValue &out, std::string &error) {
    skipWhitespace();
    bool ok = parseValue(out, 0);
    if (ok) {
      skipWhitespace();
      if (!atEnd())
        ok = fail("unexpected text after the JSON value");
    }
    if (!ok)
      error = message;
    return ok;
  }

private:
  std::string_view text;
  unsigned maxDepth;
  size_t pos = 0;
  std::string message;

  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }

  /// Records \p what at the current position and returns false.
  bool fail(const std::string &what) { return failAt(pos, what); }
  bool failAt(size_t at, const std::string &what) {
    message = "byte " + std::to_string(at) + ": " + what;
    return false;
  }

  void skipWhitespace() {
    while (!atEnd() && (text[pos] == ' ' || text[pos] == '\t' ||
                        text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  /// Consumes \p word (a literal such as "true") or fails.
  bool expectWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return fail("invalid literal; expected '" + std::string(word) + "'");
    pos += word.size();
    return true;
  }

  bool parseValue(JsonValue &out, unsigned depth) {
    if (atEnd())
      return fail("unexpected end of input; expected a value");
    switch (peek()) {
    case '{':
      return parseObject(out, depth + 1);
    case '[':
      return parseArray(out, depth + 1);
    case '"':
      out.kind = JsonValue::Kind::String;
      return parseString(out.string);
    case 't':
      out.kind = JsonValue::Kind::Bool;
      out.boolean = true;
      return expectWord("true");
    case 'f':
      out.kind = JsonValue::Kind::Bool;
      out.boolean = false;
      return expectWord("false");
    case 'n':
      out.kind = JsonValue::Kind::Null;
      return expectWord("null");
    default:
      if (peek() == '-' || (peek() >= '0' && peek() <= '9'))
        return parseNumber(out);
      return fail(std::string("unexpected character ") + describe(peek()) +
                  "; expected a value");
    }
  }

  static std::string describe(char c) {
    unsigned char u = (unsigned char)c;
    if (u >= 0x20 && u < 0x7F)
      return std::string("'") + c + "'";
    char buf[8];
    std::snprintf(buf, sizeof(buf), "0x%02X", u);
    return buf;
  }

  bool parseObject(JsonValue &out, unsigned depth) {
    if (depth > maxDepth)
      return fail("nesting deeper than " + std::to_string(maxDepth) +
                  " levels");
    out.kind = JsonValue::Kind::Object;
    ++pos; // '{'
    skipWhitespace();
    if (peek() == '}') {
      ++pos;
      return true;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"')
        return fail(atEnd() ? "unexpected end of input; expected an object key"
                            : "expected a string as object key");
      std::string key;
      if (!parseString(key))
        return false;
      skipWhitespace();
      if (peek() != ':')
        return fail("expected ':' after object key");
      ++pos;
      skipWhitespace();
      out.object.emplace_back(std::move(key), JsonValue());
      if (!parseValue(out.object.back().second, depth))
        return false;
      skipWhitespace();
      if (peek() == ',') {
        ++pos;
        continue;
      }
      if (peek() == '}') {
        ++pos;
        return true;
      }
      return fail(atEnd() ? "unexpected end of input; expected ',' or '}'"
                          : "expected ',' or '}' in object");
    }
  }

  bool parseArray(JsonValue &out, unsigned depth) {
    if (depth > maxDepth)
      return fail("nesting deeper than " + std::to_string(maxDepth) +
                  " levels");
    out.kind = JsonValue::Kind::Array;
    ++pos; // '['
    skipWhitespace();
    if (peek() == ']') {
      ++pos;
      return true;
    }
    while (true) {
      skipWhitespace();
      out.array.emplace_back();
      if (!parseValue(out.array.back(), depth))
        return false;
      skipWhitespace();
      if (peek() == ',') {
        ++pos;
        continue;
      }
      if (peek() == ']') {
        ++pos;
        return true;
      }
      return fail(atEnd() ? "unexpected end of input; expected ',' or ']'"
                          : "expected ',' or ']' in array");
    }
  }

  /// Reads the four hex digits of a \uXXXX escape at pos.
  bool parseHex4(uint32_t &value) {
    if (text.size() - pos < 4)
      return fail("truncated \\u escape");
    value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos + i];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= (uint32_t)(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= (uint32_t)(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= (uint32_t)(c - 'A' + 10);
      else
        return failAt(pos + i, "invalid hex digit in \\u escape");
    }
    pos += 4;
    return true;
  }

  bool parseString(std::string &out) {
    size_t start = pos;
    ++pos; // '"'
    while (true) {
      if (atEnd())
        return failAt(start, "unterminated string");
      unsigned char c = (unsigned char)text[pos];
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c < 0x20)
        return fail("unescaped control character " + describe((char)c) +
                    " in string");
      if (c != '\\') {
        size_t len = utf8SequenceLength(
            reinterpret_cast<const unsigned char *>(text.data()) + pos,
            text.size() - pos);
        if (len == 0)
          return fail("invalid UTF-8 in string");
        out.append(text.data() + pos, len);
        pos += len;
        continue;
      }
      size_t escape = pos;
      ++pos;
      if (atEnd())
        return failAt(start, "unterminated string");
      char e = text[pos++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return failAt(escape, "unpaired low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (text.substr(pos, 2) != "\\u")
            return failAt(escape, "unpaired high surrogate in \\u escape");
          pos += 2;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return failAt(escape, "unpaired high surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return failAt(escape,
                      "invalid escape sequence '\\" + std::string(1, e) + "'");
      }
    }
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  bool parseNumber(JsonValue &out) {
    size_t start = pos;
    bool integral = true;
    if (peek() == '-')
      ++pos;
    if (peek() == '0') {
      ++pos;
      if (isDigit(peek()))
        return fail("leading zeros are not allowed in numbers");
    } else if (isDigit(peek())) {
      while (isDigit(peek()))
        ++pos;
    } else {
      return fail("expected a digit");
    }
    if (peek() == '.') {
      integral = false;
      ++pos;
      if (!isDigit(peek()))
        return fail("expected a digit after the decimal point");
      while (isDigit(peek()))
        ++pos;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos;
      if (peek() == '+' || peek() == '-')
        ++pos;
      if (!isDigit(peek()))
        return fail("expected a digit in the exponent");
      while (isDigit(peek()))
        ++pos;
    }
    const char *first = text.data() + start, *last = text.data() + pos;
    if (integral) {
      int64_t value;
      auto result = std::from_chars(first, last, value);
      if (result.ec == std::errc() && result.ptr == last) {
        out.kind = JsonValue::Kind::Integer;
        out.integer = value;
        out.number = (double)value;
        return true;
      }
      // Too large for int64_t: fall back to a double.
    }
    double value;
    auto result = std::from_chars(first, last, value);
    if (result.ec != std::errc() || result.ptr != last)
      return failAt(start, "number out of range");
    out.kind = JsonValue::Kind::Number;
    out.number = value;
    return true;
  }
};

} // namespace

bool heed::io::parseJson(std::string_view text, JsonValue &out,
                         std::string &error, unsigned maxDepth) {
  out = JsonValue();
  Parser parser(text, maxDepth);
  if (!parser.parseDocument(out, error)) {
    out = JsonValue();
    return false;
  }
  return true;
}
