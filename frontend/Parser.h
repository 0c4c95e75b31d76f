//===- Parser.h - Parser of the .heed language ------------------*- C++ -*-===//

#ifndef HEED_FRONTEND_PARSER_H
#define HEED_FRONTEND_PARSER_H

#include "AST.h"
#include "Lexer.h"

#include <functional>

namespace heed {

/// Reports a syntax error at a location.
using SyntaxErrorFn = std::function<void(llvm::SMLoc, const std::string &)>;

/// Parses a whole .heed buffer (grammar: docs/language.md). Stops at the
/// first error, which it reports through \p onError; returns nullopt then.
std::optional<ast::Module> parseHeed(llvm::StringRef buffer,
                                     const SyntaxErrorFn &onError);

/// Expressions may nest at most this deep; deeper input is an error rather
/// than a stack overflow.
constexpr int kMaxNestingDepth = 256;

/// An expression tree may be at most this many levels high: a long chain such
/// as `a + b + c + ...` builds one level per operator, and the emitter walks
/// the tree recursively.
constexpr int kMaxExprHeight = 1024;

} // namespace heed

#endif // HEED_FRONTEND_PARSER_H
