//===- Parser.cpp - Parser of the .heed language --------------------------===//
//
// A recursive-descent parser over the Lexer's tokens. Precedence, lowest
// first: `+ -`, `* /`, unary `-`, subscript (`x[:, 0]`), primary (call,
// name, number, string, list, parenthesised expression).
//
//===----------------------------------------------------------------------===//

#include "Parser.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ConvertUTF.h"

#include <cerrno>
#include <cstdlib>

using namespace heed;
using namespace heed::ast;
using llvm::SMLoc;

namespace {

class Parser {
public:
  Parser(llvm::StringRef buffer, const SyntaxErrorFn &onError)
      : lexer(buffer), onError(onError) {
    advance();
  }

  std::optional<Module> parseModule();

private:
  // Token handling.
  void advance() { tok = lexer.next(); }
  bool is(Token::Kind k) const { return tok.kind == k; }
  bool isKeyword(llvm::StringRef word) const {
    return tok.kind == Token::Ident && tok.spelling == word;
  }
  bool fail(SMLoc loc, const std::string &message) {
    if (!failed)
      onError(loc, message);
    failed = true;
    return false;
  }
  bool failHere(const std::string &message);
  bool expect(Token::Kind k, const char *what);
  bool parseName(Name &name, const char *what);

  // Grammar.
  bool parseDim(Module &m);
  bool parseGraph(Module &m, bool isSubgraph);
  bool parseTensorType(TensorTypeSpec &spec);
  bool parseStatement(std::vector<Stmt> &body);
  /// Counts one level of nesting; fails past kMaxNestingDepth.
  bool enterNesting();
  /// A left-associative chain of \p operand separated by \p op1 or \p op2.
  ExprPtr parseBinaryLevel(ExprPtr (Parser::*operand)(), Token::Kind op1,
                           Token::Kind op2);
  ExprPtr parseExpr();
  ExprPtr parseTerm();
  ExprPtr parseUnary();
  /// A primary followed by any number of subscripts `[...]`.
  ExprPtr parsePostfix();
  ExprPtr parsePrimary();
  bool parseSubscript(Subscript &item);
  bool parseCallArgs(Expr &call);
  bool setHeight(Expr &e);

  Lexer lexer;
  const SyntaxErrorFn &onError;
  Token tok;
  bool failed = false;
  int depth = 0;
};

/// Describes the current token for "expected X, found Y" messages.
std::string describe(const Token &t) {
  switch (t.kind) {
  case Token::Eof:
    return "end of file";
  case Token::Ident:
    return "'" + t.spelling.str() + "'";
  case Token::Int:
  case Token::Float:
    return "number " + t.spelling.str();
  case Token::String:
    return "a string";
  default:
    return "'" + t.spelling.str() + "'";
  }
}

} // namespace

bool Parser::failHere(const std::string &message) {
  if (is(Token::Error))
    return fail(tok.loc(), tok.text);
  return fail(tok.loc(), message + ", found " + describe(tok));
}

/// Computes the height of \p e from its children; an over-high tree is an
/// error at \p e (for a chain, the operator that crosses the limit).
bool Parser::setHeight(Expr &e) {
  int h = 0;
  for (const ExprPtr &a : e.args)
    h = std::max(h, a->height);
  for (const KeywordArg &k : e.keywords)
    h = std::max(h, k.value->height);
  for (const Subscript &item : e.subscripts)
    for (const ExprPtr *part :
         {&item.index, &item.start, &item.stop, &item.step})
      if (*part)
        h = std::max(h, (*part)->height);
  e.height = h + 1;
  if (e.height > kMaxExprHeight)
    return fail(e.loc, "expression too large (more than " +
                           std::to_string(kMaxExprHeight) +
                           " nested operations); split it into several "
                           "statements");
  return true;
}

bool Parser::expect(Token::Kind k, const char *what) {
  if (!is(k))
    return failHere(std::string("expected ") + what);
  advance();
  return true;
}

bool Parser::parseName(Name &name, const char *what) {
  if (!is(Token::Ident))
    return failHere(std::string("expected ") + what);
  name.name = tok.spelling.str();
  name.loc = tok.loc();
  advance();
  return true;
}

std::optional<Module> Parser::parseModule() {
  Module m;
  while (!is(Token::Eof) && !failed) {
    if (isKeyword("dim")) {
      parseDim(m);
    } else if (isKeyword("graph")) {
      parseGraph(m, /*isSubgraph=*/false);
    } else if (isKeyword("def")) {
      parseGraph(m, /*isSubgraph=*/true);
    } else {
      failHere("expected 'dim', 'def' or 'graph' at the top level");
    }
  }
  if (failed)
    return std::nullopt;
  if (m.graphs.empty() ||
      llvm::all_of(m.graphs, [](const GraphDecl &g) { return g.isSubgraph; })) {
    fail(tok.loc(), "the file declares no graph; a model needs "
                    "'graph NAME(INPUTS) { ... }'");
    return std::nullopt;
  }
  return m;
}

bool Parser::parseDim(Module &m) {
  advance(); // dim
  DimDecl d;
  if (!parseName(d.name, "a dimension name after 'dim'"))
    return false;
  if (is(Token::Equal)) {
    advance();
    d.value = parseExpr();
    if (!d.value)
      return false;
  }
  if (is(Token::Semicolon))
    advance();
  m.dims.push_back(std::move(d));
  return true;
}

bool Parser::parseTensorType(TensorTypeSpec &spec) {
  if (!is(Token::Ident))
    return failHere("expected a tensor type such as f32[B, 16]");
  spec.dtype = tok.spelling.str();
  spec.loc = tok.loc();
  advance();
  if (!expect(Token::LBracket, "'[' after the dtype (scalars are written "
                               "f32[])"))
    return false;
  while (!is(Token::RBracket)) {
    ExprPtr dim = parseExpr();
    if (!dim)
      return false;
    spec.dims.push_back(std::move(dim));
    if (is(Token::Comma))
      advance();
    else if (!is(Token::RBracket))
      return failHere("expected ',' or ']' in the shape");
  }
  advance();
  return true;
}

bool Parser::parseGraph(Module &m, bool isSubgraph) {
  advance(); // graph | def
  GraphDecl g;
  g.isSubgraph = isSubgraph;
  if (!parseName(g.name, isSubgraph ? "a subgraph name after 'def'"
                                    : "a graph name after 'graph'") ||
      !expect(Token::LParen, "'(' before the inputs"))
    return false;
  while (!is(Token::RParen)) {
    Input in;
    // `state NAME: TYPE` (a name `state` alone is an ordinary input).
    if (!isSubgraph && isKeyword("state") && lexer.nextStartsIdentifier()) {
      advance();
      in.isState = true;
    }
    if (!parseName(in.name,
                   in.isState ? "a state name after 'state'" : "an input name"))
      return false;
    if (is(Token::Colon)) {
      advance();
      in.type.emplace();
      if (!parseTensorType(*in.type))
        return false;
    } else if (!isSubgraph) {
      return failHere("expected ':' and a type after graph input '" +
                      in.name.name + "'");
    }
    g.inputs.push_back(std::move(in));
    if (is(Token::Comma))
      advance();
    else if (!is(Token::RParen))
      return failHere("expected ',' or ')' after an input");
  }
  advance();
  if (!expect(Token::LBrace, "'{' to open the body"))
    return false;
  while (!is(Token::RBrace)) {
    if (is(Token::Eof))
      return fail(tok.loc(),
                  "expected '}' to close the body of '" + g.name.name + "'");
    if (!parseStatement(g.body))
      return false;
  }
  advance();
  m.graphs.push_back(std::move(g));
  return true;
}

bool Parser::parseStatement(std::vector<Stmt> &body) {
  Stmt s;
  s.loc = tok.loc();
  if (isKeyword("return")) {
    s.kind = Stmt::Kind::Return;
    advance();
    do {
      if (!s.outputs.empty())
        advance(); // ,
      Name name;
      if (!parseName(name, "an output name after 'return'"))
        return false;
      if (is(Token::LParen) || is(Token::LBracket))
        return fail(name.loc, "outputs need a name: write 'return NAME = " +
                                  name.name + "(...)'");
      ExprPtr value;
      if (is(Token::Equal)) {
        advance();
        value = parseExpr();
        if (!value)
          return false;
      } else {
        value = std::make_unique<Expr>(Expr::Kind::Ident, name.loc);
        value->text = name.name;
      }
      s.outputs.emplace_back(std::move(name), std::move(value));
    } while (is(Token::Comma));
  } else {
    s.kind = Stmt::Kind::Assign;
    do {
      if (!s.targets.empty())
        advance(); // ,
      Name name;
      if (!parseName(name, "a statement ('NAME = ...' or 'return ...')"))
        return false;
      s.targets.push_back(std::move(name));
    } while (is(Token::Comma));
    if (!expect(Token::Equal, "'=' after the assigned name"))
      return false;
    s.value = parseExpr();
    if (!s.value)
      return false;
  }
  if (is(Token::Semicolon))
    advance();
  body.push_back(std::move(s));
  return true;
}

bool Parser::enterNesting() {
  if (++depth <= kMaxNestingDepth)
    return true;
  fail(tok.loc(), "expression nested too deeply (more than " +
                      std::to_string(kMaxNestingDepth) + " levels)");
  return false;
}

ExprPtr Parser::parseBinaryLevel(ExprPtr (Parser::*operand)(), Token::Kind op1,
                                 Token::Kind op2) {
  ExprPtr lhs = (this->*operand)();
  while (lhs && (is(op1) || is(op2))) {
    auto bin = std::make_unique<Expr>(Expr::Kind::Binary, tok.loc());
    bin->op = tok.spelling[0];
    advance();
    ExprPtr rhs = (this->*operand)();
    if (!rhs)
      return nullptr;
    bin->args.push_back(std::move(lhs));
    bin->args.push_back(std::move(rhs));
    if (!setHeight(*bin))
      return nullptr;
    lhs = std::move(bin);
  }
  return lhs;
}

ExprPtr Parser::parseExpr() {
  if (!enterNesting())
    return nullptr;
  ExprPtr e = parseBinaryLevel(&Parser::parseTerm, Token::Plus, Token::Minus);
  --depth;
  return e;
}

ExprPtr Parser::parseTerm() {
  return parseBinaryLevel(&Parser::parseUnary, Token::Star, Token::Slash);
}

ExprPtr Parser::parseUnary() {
  if (is(Token::Minus)) {
    auto neg = std::make_unique<Expr>(Expr::Kind::Neg, tok.loc());
    advance();
    if (!enterNesting())
      return nullptr;
    ExprPtr operand = parseUnary();
    --depth;
    if (!operand)
      return nullptr;
    neg->args.push_back(std::move(operand));
    if (!setHeight(*neg))
      return nullptr;
    return neg;
  }
  return parsePostfix();
}

ExprPtr Parser::parsePostfix() {
  ExprPtr e = parsePrimary();
  while (e && is(Token::LBracket)) {
    auto sub = std::make_unique<Expr>(Expr::Kind::Subscript, tok.loc());
    advance();
    if (is(Token::RBracket)) {
      failHere("expected an index, a slice (start:stop:step) or '...'");
      return nullptr;
    }
    while (!is(Token::RBracket)) {
      Subscript item;
      if (!enterNesting() || !parseSubscript(item))
        return nullptr;
      --depth;
      sub->subscripts.push_back(std::move(item));
      if (is(Token::Comma))
        advance();
      else if (!is(Token::RBracket)) {
        failHere("expected ',' or ']' in the subscript");
        return nullptr;
      }
    }
    advance();
    sub->args.push_back(std::move(e));
    if (!setHeight(*sub))
      return nullptr;
    e = std::move(sub);
  }
  return e;
}

bool Parser::parseSubscript(Subscript &item) {
  item.loc = tok.loc();
  if (is(Token::Ellipsis)) {
    item.kind = Subscript::Kind::Ellipsis;
    advance();
    return true;
  }
  auto endsPart = [&] {
    return is(Token::Colon) || is(Token::Comma) || is(Token::RBracket);
  };
  ExprPtr first;
  if (!is(Token::Colon) && !(first = parseExpr()))
    return false;
  if (!is(Token::Colon)) {
    item.kind = Subscript::Kind::Index;
    item.index = std::move(first);
    return true;
  }
  item.kind = Subscript::Kind::Slice;
  item.start = std::move(first);
  advance(); // :
  if (!endsPart() && !(item.stop = parseExpr()))
    return false;
  if (is(Token::Colon)) {
    advance();
    if (!is(Token::Comma) && !is(Token::RBracket) && !(item.step = parseExpr()))
      return false;
  }
  return true;
}

ExprPtr Parser::parsePrimary() {
  SMLoc loc = tok.loc();
  switch (tok.kind) {
  case Token::Int: {
    auto e = std::make_unique<Expr>(Expr::Kind::Int, loc);
    errno = 0;
    e->intValue = std::strtoll(tok.spelling.str().c_str(), nullptr, 10);
    if (errno == ERANGE) {
      fail(loc, "integer " + tok.spelling.str() + " is too large");
      return nullptr;
    }
    advance();
    return e;
  }
  case Token::Float: {
    auto e = std::make_unique<Expr>(Expr::Kind::Float, loc);
    e->floatValue = std::strtod(tok.spelling.str().c_str(), nullptr);
    advance();
    return e;
  }
  case Token::String: {
    auto e = std::make_unique<Expr>(Expr::Kind::String, loc);
    e->text = tok.text;
    advance();
    return e;
  }
  case Token::LParen: {
    advance();
    ExprPtr inner = parseExpr();
    if (!inner || !expect(Token::RParen, "')'"))
      return nullptr;
    return inner;
  }
  case Token::LBracket: {
    auto list = std::make_unique<Expr>(Expr::Kind::List, loc);
    advance();
    while (!is(Token::RBracket)) {
      ExprPtr item = parseExpr();
      if (!item)
        return nullptr;
      list->args.push_back(std::move(item));
      if (is(Token::Comma))
        advance();
      else if (!is(Token::RBracket)) {
        failHere("expected ',' or ']' in the list");
        return nullptr;
      }
    }
    advance();
    if (!setHeight(*list))
      return nullptr;
    return list;
  }
  case Token::Ident: {
    std::string name = tok.spelling.str();
    advance();
    // `name[path](...)` names a call's parameters; `name[...]` otherwise is
    // a subscript (parsePostfix).
    bool hasPath = is(Token::LBracket) && lexer.bracketIsFollowedByParen();
    if (!is(Token::LParen) && !hasPath) {
      auto e = std::make_unique<Expr>(Expr::Kind::Ident, loc);
      e->text = std::move(name);
      return e;
    }
    auto call = std::make_unique<Expr>(Expr::Kind::Call, loc);
    call->text = std::move(name);
    if (is(Token::LBracket)) {
      Token path = lexer.nextPath();
      if (path.kind == Token::Error) {
        fail(path.loc(), path.text);
        return nullptr;
      }
      call->path = path.spelling.str();
      call->pathLoc = path.loc();
      llvm::StringRef p = *call->path;
      if (!p.empty() &&
          (p.starts_with(".") || p.ends_with(".") || p.contains(".."))) {
        fail(path.loc(),
             "parameter path '" + *call->path + "' has an empty part");
        return nullptr;
      }
      advance();
      if (!expect(Token::RBracket, "']' after the parameter path"))
        return nullptr;
      if (!is(Token::LParen)) {
        failHere("expected '(' after " + call->text + "[" + *call->path + "]");
        return nullptr;
      }
    }
    if (!parseCallArgs(*call) || !setHeight(*call))
      return nullptr;
    return call;
  }
  default:
    failHere("expected an expression");
    return nullptr;
  }
}

bool Parser::parseCallArgs(Expr &call) {
  advance(); // (
  while (!is(Token::RParen)) {
    // `name = value` is a keyword argument; anything else is positional.
    if (is(Token::Ident)) {
      Lexer save = lexer;
      Token identTok = tok;
      advance();
      if (is(Token::Equal)) {
        advance();
        KeywordArg kw{identTok.spelling.str(), identTok.loc(), nullptr};
        for (const KeywordArg &other : call.keywords)
          if (other.name == kw.name)
            return fail(kw.loc, "argument '" + kw.name + "' given twice");
        kw.value = parseExpr();
        if (!kw.value)
          return false;
        call.keywords.push_back(std::move(kw));
        goto separator;
      }
      lexer = save;
      tok = identTok;
    }
    if (!call.keywords.empty())
      return failHere("positional argument after a keyword argument");
    {
      ExprPtr arg = parseExpr();
      if (!arg)
        return false;
      call.args.push_back(std::move(arg));
    }
  separator:
    if (is(Token::Comma))
      advance();
    else if (!is(Token::RParen))
      return failHere("expected ',' or ')' in the arguments of '" + call.text +
                      "'");
  }
  advance();
  return true;
}

std::optional<Module> heed::parseHeed(llvm::StringRef buffer,
                                      const SyntaxErrorFn &onError) {
  // Reject invalid UTF-8 up front, pointing at the first bad byte.
  const llvm::UTF8 *begin = (const llvm::UTF8 *)buffer.begin();
  const llvm::UTF8 *cursor = begin;
  if (!llvm::isLegalUTF8String(&cursor, (const llvm::UTF8 *)buffer.end())) {
    onError(SMLoc::getFromPointer((const char *)cursor),
            "the file is not valid UTF-8 (byte offset " +
                std::to_string(cursor - begin) + ")");
    return std::nullopt;
  }
  if (buffer.find_first_not_of(" \t\r\n") == llvm::StringRef::npos) {
    onError(SMLoc::getFromPointer(buffer.begin()),
            "the file is empty; a model needs 'graph NAME(INPUTS) { ... }'");
    return std::nullopt;
  }
  Parser parser(buffer, onError);
  return parser.parseModule();
}
