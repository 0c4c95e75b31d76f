//===- Lexer.h - Tokens of the .heed language -------------------*- C++ -*-===//

#ifndef HEED_FRONTEND_LEXER_H
#define HEED_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <string>

namespace heed {

struct Token {
  enum Kind {
    Eof,
    Error, ///< text holds the message
    Ident,
    Int,
    Float,
    String,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Semicolon,
    Equal,
    Arrow,
    Plus,
    Minus,
    Star,
    Slash,
    Ellipsis, ///< `...` in a subscript
  };
  Kind kind = Eof;
  llvm::StringRef spelling; ///< the source text of the token
  std::string text;         ///< String: the unescaped value; Error: message
  llvm::SMLoc loc() const {
    return llvm::SMLoc::getFromPointer(spelling.data());
  }
};

/// Splits a .heed buffer into tokens. `#` starts a comment to the end of the
/// line; whitespace and newlines separate tokens. Any byte outside printable
/// ASCII is an error outside comments and strings, and the buffer must be
/// valid UTF-8 (checked up front by the parser).
class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer)
      : buffer(buffer), pos(buffer.begin()) {}

  Token next();
  /// Lexes a parameter path such as `encoder.layer.0.attention` (letters,
  /// digits, `_` and `.`) up to the closing `]`, which is left in place;
  /// the path of `[]` is empty.
  Token nextPath();
  /// After a `[`: whether its matching `]` is followed by `(`, as in
  /// `linear[encoder.fc](x)` (a parameter path), not in `x[:, 0]`.
  bool bracketIsFollowedByParen() const;
  /// Whether the next token (after blanks) starts with a letter or `_`: it
  /// tells `state cache: ...` (a state) from `state: ...` (an input named
  /// state).
  bool nextStartsIdentifier() const;
  const char *position() const { return pos; }

private:
  Token make(Token::Kind kind, const char *start);
  Token error(const char *at, std::string message);
  void skipSpaceAndComments();

  llvm::StringRef buffer;
  const char *pos;
};

} // namespace heed

#endif // HEED_FRONTEND_LEXER_H
