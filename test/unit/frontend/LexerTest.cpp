//===- LexerTest.cpp - Tokens of the .heed language -----------------------===//

#include "Lexer.h"

#include <gtest/gtest.h>

#include <vector>

using namespace heed;

namespace {

std::vector<Token> lexAll(llvm::StringRef text) {
  Lexer lexer(text);
  std::vector<Token> tokens;
  while (true) {
    Token t = lexer.next();
    tokens.push_back(t);
    if (t.kind == Token::Eof || t.kind == Token::Error)
      return tokens;
  }
}

TEST(LexerTest, StatementTokens) {
  auto t = lexAll("y = linear(x, out=4*D) # comment\n");
  std::vector<Token::Kind> kinds;
  for (const Token &tok : t)
    kinds.push_back(tok.kind);
  std::vector<Token::Kind> expected = {
      Token::Ident, Token::Equal,  Token::Ident, Token::LParen, Token::Ident,
      Token::Comma, Token::Ident,  Token::Equal, Token::Int,    Token::Star,
      Token::Ident, Token::RParen, Token::Eof};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(t[2].spelling, "linear");
}

TEST(LexerTest, Numbers) {
  auto t = lexAll("3 1.5 1e-5 .25 2.");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].kind, Token::Int);
  EXPECT_EQ(t[1].kind, Token::Float);
  EXPECT_EQ(t[2].kind, Token::Float);
  EXPECT_EQ(t[2].spelling, "1e-5");
  EXPECT_EQ(t[3].kind, Token::Float);
  EXPECT_EQ(t[4].kind, Token::Float);
}

TEST(LexerTest, ArrowAndMinus) {
  auto t = lexAll("-> - x");
  EXPECT_EQ(t[0].kind, Token::Arrow);
  EXPECT_EQ(t[1].kind, Token::Minus);
}

TEST(LexerTest, ParameterPath) {
  // `layer.0.attention` would lex as ident, float ".0"... in normal mode; the
  // parser switches to path mode after '['.
  Lexer lexer("encoder.layer.0.attention](x)");
  Token path = lexer.nextPath();
  EXPECT_EQ(path.kind, Token::Ident);
  EXPECT_EQ(path.spelling, "encoder.layer.0.attention");
  EXPECT_EQ(lexer.next().kind, Token::RBracket);
}

TEST(LexerTest, StringEscapes) {
  auto t = lexAll(R"("a\"b")");
  ASSERT_EQ(t[0].kind, Token::String);
  EXPECT_EQ(t[0].text, "a\"b");
}

TEST(LexerTest, Errors) {
  EXPECT_EQ(lexAll("\"open").front().kind, Token::Error);
  EXPECT_EQ(lexAll("12ab").front().kind, Token::Error);
  auto t = lexAll("x $");
  EXPECT_EQ(t[1].kind, Token::Error);
  EXPECT_EQ(t[1].text, "unexpected character '$'");
  // A comment may hold any UTF-8; code may not.
  EXPECT_EQ(lexAll("# 注意力\nx").front().kind, Token::Ident);
  EXPECT_EQ(lexAll("注意").front().kind, Token::Error);
}

} // namespace
