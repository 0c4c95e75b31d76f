//===- AST.h - Syntax tree of the .heed language ----------------*- C++ -*-===//
//
// The parser's output: declarations of dimensions, subgraphs (`def`) and
// graphs (`graph`), whose bodies are assignments and a `return`. Every node
// keeps the source location of its first character for diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_AST_H
#define HEED_FRONTEND_AST_H

#include "llvm/Support/SMLoc.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace heed::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name = value` inside a call's argument list.
struct KeywordArg {
  std::string name;
  llvm::SMLoc loc;
  ExprPtr value;
};

/// One item of a subscript `x[...]`: an index `i`, a slice `start:stop:step`
/// (each part optional), `...`, or an index expression that may turn out to
/// be `none` (a new axis) or a tensor (gather).
struct Subscript {
  enum class Kind { Index, Slice, Ellipsis };
  Kind kind;
  llvm::SMLoc loc;
  ExprPtr index;             ///< Index
  ExprPtr start, stop, step; ///< Slice: null when left out
};

/// An expression. One struct for all kinds keeps the tree simple to walk.
struct Expr {
  enum class Kind {
    Ident,
    Int,
    Float,
    String,
    List,
    Call,
    Neg,
    Binary,
    Subscript
  };
  Kind kind;
  llvm::SMLoc loc;
  std::string text;      ///< Ident: the name; Call: the callee; String
  int64_t intValue = 0;  ///< Int
  double floatValue = 0; ///< Float
  char op = 0;           ///< Binary: one of + - * /
  /// List items; Call positional args; operands; Subscript: the subscripted
  /// value
  std::vector<ExprPtr> args;
  std::vector<Subscript> subscripts; ///< Subscript: the items in brackets
  std::vector<KeywordArg> keywords;  ///< Call keyword args
  std::optional<std::string> path;   ///< Call: the `[path]` parameter prefix
  llvm::SMLoc pathLoc;
  /// Levels of this subtree (1 for a leaf); the parser bounds it so that
  /// walking the tree recursively cannot overflow the stack.
  int height = 1;

  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
};

/// `f32[B, L, 64]`.
struct TensorTypeSpec {
  std::string dtype;
  llvm::SMLoc loc;
  std::vector<ExprPtr> dims;
};

struct Name {
  std::string name;
  llvm::SMLoc loc;
};

/// `a, b = expr` or `return a, b = expr, ...`.
struct Stmt {
  enum class Kind { Assign, Return };
  Kind kind;
  llvm::SMLoc loc;
  std::vector<Name> targets; ///< Assign: the names bound
  ExprPtr value;             ///< Assign: the value
  /// Return: each output's name and its value (an Ident of the same name when
  /// written `return x`).
  std::vector<std::pair<Name, ExprPtr>> outputs;
};

/// A graph input (`x: f32[B, L]`), a state (`state cache: f32[...]`) or a
/// subgraph parameter (`x`, untyped).
struct Input {
  Name name;
  std::optional<TensorTypeSpec> type;
  /// `state NAME: TYPE`: kept by the runtime between runs, zeros at first;
  /// `return NAME = EXPR` gives its next value.
  bool isState = false;
};

/// `graph NAME(inputs) { body }` or `def NAME(params) { body }`.
struct GraphDecl {
  bool isSubgraph = false;
  Name name;
  std::vector<Input> inputs;
  std::vector<Stmt> body;
};

/// `dim NAME [= value]`.
struct DimDecl {
  Name name;
  ExprPtr value; ///< null when the dimension must come from --dim
};

struct Module {
  std::vector<DimDecl> dims;
  std::vector<GraphDecl> graphs;
};

} // namespace heed::ast

#endif // HEED_FRONTEND_AST_H
