//===- Lexer.cpp - Tokens of the .heed language ---------------------------===//

#include "Lexer.h"

#include <cctype>

using namespace heed;

Token Lexer::make(Token::Kind kind, const char *start) {
  Token t;
  t.kind = kind;
  t.spelling = llvm::StringRef(start, pos - start);
  return t;
}

Token Lexer::error(const char *at, std::string message) {
  Token t;
  t.kind = Token::Error;
  t.spelling = llvm::StringRef(at, at < buffer.end() ? 1 : 0);
  t.text = std::move(message);
  return t;
}

void Lexer::skipSpaceAndComments() {
  while (pos < buffer.end()) {
    char c = *pos;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++pos;
    } else if (c == '#') {
      while (pos < buffer.end() && *pos != '\n')
        ++pos;
    } else {
      break;
    }
  }
}

static bool isIdentStart(char c) {
  return std::isalpha((unsigned char)c) || c == '_';
}
static bool isIdentChar(char c) {
  return std::isalnum((unsigned char)c) || c == '_';
}

Token Lexer::next() {
  skipSpaceAndComments();
  const char *start = pos;
  if (pos >= buffer.end())
    return make(Token::Eof, start);
  char c = *pos++;
  switch (c) {
  case '(':
    return make(Token::LParen, start);
  case ')':
    return make(Token::RParen, start);
  case '[':
    return make(Token::LBracket, start);
  case ']':
    return make(Token::RBracket, start);
  case '{':
    return make(Token::LBrace, start);
  case '}':
    return make(Token::RBrace, start);
  case ',':
    return make(Token::Comma, start);
  case ':':
    return make(Token::Colon, start);
  case ';':
    return make(Token::Semicolon, start);
  case '=':
    return make(Token::Equal, start);
  case '+':
    return make(Token::Plus, start);
  case '*':
    return make(Token::Star, start);
  case '/':
    return make(Token::Slash, start);
  case '-':
    if (pos < buffer.end() && *pos == '>') {
      ++pos;
      return make(Token::Arrow, start);
    }
    return make(Token::Minus, start);
  case '.':
    if (pos + 1 < buffer.end() && pos[0] == '.' && pos[1] == '.') {
      pos += 2;
      return make(Token::Ellipsis, start);
    }
    break;
  case '"': {
    std::string value;
    while (pos < buffer.end() && *pos != '"' && *pos != '\n') {
      if (*pos == '\\' && pos + 1 < buffer.end() &&
          (pos[1] == '"' || pos[1] == '\\')) {
        value += pos[1];
        pos += 2;
      } else {
        value += *pos++;
      }
    }
    if (pos >= buffer.end() || *pos != '"')
      return error(start, "unterminated string");
    ++pos;
    Token t = make(Token::String, start);
    t.text = std::move(value);
    return t;
  }
  default:
    break;
  }
  if (isIdentStart(c)) {
    while (pos < buffer.end() && isIdentChar(*pos))
      ++pos;
    return make(Token::Ident, start);
  }
  if (std::isdigit((unsigned char)c) ||
      (c == '.' && pos < buffer.end() && std::isdigit((unsigned char)*pos))) {
    bool isFloat = c == '.';
    while (pos < buffer.end() && std::isdigit((unsigned char)*pos))
      ++pos;
    if (!isFloat && pos + 1 < buffer.end() && *pos == '.' &&
        std::isdigit((unsigned char)pos[1])) {
      isFloat = true;
      ++pos;
      while (pos < buffer.end() && std::isdigit((unsigned char)*pos))
        ++pos;
    } else if (!isFloat && pos < buffer.end() && *pos == '.' &&
               (pos + 1 >= buffer.end() || !isIdentStart(pos[1]))) {
      isFloat = true; // "1." is a float; "0.name" is a path piece
      ++pos;
    } else if (isFloat) {
      while (pos < buffer.end() && std::isdigit((unsigned char)*pos))
        ++pos;
    }
    if (pos < buffer.end() && (*pos == 'e' || *pos == 'E')) {
      const char *save = pos++;
      if (pos < buffer.end() && (*pos == '+' || *pos == '-'))
        ++pos;
      if (pos < buffer.end() && std::isdigit((unsigned char)*pos)) {
        isFloat = true;
        while (pos < buffer.end() && std::isdigit((unsigned char)*pos))
          ++pos;
      } else {
        pos = save;
      }
    }
    if (pos < buffer.end() && isIdentStart(*pos))
      return error(pos,
                   "unexpected '" + std::string(1, *pos) + "' after a number");
    return make(isFloat ? Token::Float : Token::Int, start);
  }
  if ((unsigned char)c >= 0x80)
    return error(start, "non-ASCII character outside a comment or string");
  if (!std::isprint((unsigned char)c)) {
    char buf[8];
    snprintf(buf, sizeof(buf), "0x%02x", (unsigned char)c);
    return error(start, std::string("unexpected control character ") + buf);
  }
  return error(start, "unexpected character '" + std::string(1, c) + "'");
}

bool Lexer::bracketIsFollowedByParen() const {
  int depth = 1;
  const char *p = pos;
  for (; p < buffer.end() && depth > 0; ++p) {
    if (*p == '[')
      ++depth;
    else if (*p == ']')
      --depth;
    else if (*p == '{' || *p == '}' || *p == '(' || *p == '#')
      return false; // a path has none of these
  }
  while (p < buffer.end() &&
         (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    ++p;
  return depth == 0 && p < buffer.end() && *p == '(';
}

bool Lexer::nextStartsIdentifier() const {
  const char *p = pos;
  while (p < buffer.end() &&
         (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    ++p;
  return p < buffer.end() && (std::isalpha((unsigned char)*p) || *p == '_');
}

Token Lexer::nextPath() {
  skipSpaceAndComments();
  const char *start = pos;
  while (pos < buffer.end() && (isIdentChar(*pos) || *pos == '.'))
    ++pos;
  if (pos == start && pos < buffer.end() && *pos == ']')
    return make(Token::Ident, start); // `[]`: no segment
  if (pos == start)
    return error(start, "expected a parameter path such as 'encoder.layer.0'");
  return make(Token::Ident, start);
}
