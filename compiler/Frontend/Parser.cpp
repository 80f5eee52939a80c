//===- Parser.cpp - Recursive-descent parser for .attn specs --------------===//
//
// Each parse function carries the grammar rule it implements. The whole grammar is in
// docs/language.md.
//
//===----------------------------------------------------------------------===//
#include "compiler/Frontend/Parser.h"

#include "mlir/IR/Diagnostics.h"

using namespace attn;

namespace {

class Parser {
public:
  Parser(llvm::StringRef src, SourceDiagnostics &diags)
      : lexer(src, &Parser::lexError, this), diags(diags) {
    advance();
  }

  std::unique_ptr<SpecAST> parseSpec();

private:
  static void lexError(void *self, llvm::SMLoc loc, const llvm::Twine &msg) {
    static_cast<Parser *>(self)->diags.error(loc) << msg.str();
  }

  void advance() {
    prevEnd = tok.range().End;
    prevKind = tok.kind;
    unsigned before = diags.errorCount();
    tok = lexer.next();
    tokLexErrors = diags.errorCount() - before;
  }
  bool consumeIf(Tok kind) {
    if (!tok.is(kind))
      return false;
    advance();
    return true;
  }
  /// Consumes `kind` or reports it missing. A missing ';' is reported right after the previous
  /// token, where it belongs, rather than at the next line's first token.
  bool expect(Tok kind, llvm::StringRef context) {
    if (consumeIf(kind))
      return true;
    errorExpected(tokSpelling(kind), context, kind == Tok::Semi ? prevEnd : tok.loc());
    return false;
  }
  /// Reports "expected X CONTEXT, found Y" at the current token, unless the lexer already
  /// reported that token.
  void errorExpected(llvm::StringRef what, llvm::StringRef context, llvm::SMLoc at = {});
  /// Skips to just after the next ';' or to the start of the next declaration.
  void synchronize();

  void parseDecl(SpecAST &spec);
  void parseTensorRest(SpecAST &spec, const Token &name);
  void parseOptionRest(SpecAST &spec, const Token &name);
  void parseParam(SpecAST &spec);
  void parseConst(SpecAST &spec);
  void parseBlockDecl(SpecAST &spec, ExprPtr &slot, llvm::SMRange &range, llvm::StringRef what);
  ExprPtr parseBlock();
  ExprPtr parseBlockBody();

  ExprPtr parseExpr();
  ExprPtr parseOr();
  ExprPtr parseAnd();
  ExprPtr parseEquality();
  ExprPtr parseRelational();
  ExprPtr parseAdditive();
  ExprPtr parseMultiplicative();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  bool parseArgs(Tok close, std::vector<ExprPtr> &args);

  /// A node spanning from `start` to the last consumed token; null if a child is null or the
  /// tree would be deeper than kMaxExprDepth.
  ExprPtr node(Expr::Kind kind, llvm::SMLoc start, std::vector<ExprPtr> args = {});
  ExprPtr binary(BinaryOp op, ExprPtr lhs, ExprPtr rhs);

  Lexer lexer;
  SourceDiagnostics &diags;
  Token tok;
  llvm::SMLoc prevEnd;
  bool reportedDepth = false;
  unsigned nesting = 0;        ///< recursion depth of parseExpr/parseUnary
  bool recoveredBlock = false; ///< a block skipped to its closing brace after an error
  Tok prevKind = Tok::Eof;     ///< the kind of the last consumed token
  unsigned tokLexErrors = 0;   ///< errors the lexer reported for the current token

  /// Guards one level of parser recursion; false (after one report) past kMaxExprDepth.
  struct NestingGuard {
    Parser &p;
    bool ok;
    explicit NestingGuard(Parser &p) : p(p), ok(++p.nesting <= kMaxExprDepth) {
      if (!ok)
        p.reportTooDeep(p.tok.loc());
    }
    ~NestingGuard() { --p.nesting; }
  };
  void reportTooDeep(llvm::SMLoc at) {
    if (!reportedDepth)
      diags.error(at) << "expression is nested more than " << kMaxExprDepth
                      << " levels deep: split it with 'let' or 'const'";
    reportedDepth = true;
  }
};

void Parser::errorExpected(llvm::StringRef what, llvm::StringRef context, llvm::SMLoc at) {
  if (tok.is(Tok::Error))
    return;
  auto d = diags.error(at.isValid() ? at : tok.loc());
  d << "expected " << what;
  if (!context.empty())
    d << " " << context;
  d << ", found ";
  if (tok.is(Tok::Eof))
    d << "end of file";
  else
    d << "'" << tok.text << "'";
}

ExprPtr Parser::node(Expr::Kind kind, llvm::SMLoc start, std::vector<ExprPtr> args) {
  unsigned depth = 0;
  for (const ExprPtr &a : args) {
    if (!a)
      return nullptr;
    depth = std::max(depth, a->depth);
  }
  if (depth + 1 > kMaxExprDepth) {
    reportTooDeep(start);
    return nullptr;
  }
  auto e = std::make_unique<Expr>(kind, llvm::SMRange(start, prevEnd));
  e->args = std::move(args);
  e->depth = depth + 1;
  return e;
}

ExprPtr Parser::binary(BinaryOp op, ExprPtr lhs, ExprPtr rhs) {
  if (!lhs || !rhs)
    return nullptr;
  llvm::SMLoc start = lhs->loc();
  std::vector<ExprPtr> args;
  args.push_back(std::move(lhs));
  args.push_back(std::move(rhs));
  ExprPtr e = node(Expr::Binary, start, std::move(args));
  if (e)
    e->binOp = op;
  return e;
}

void Parser::synchronize() {
  while (!tok.is(Tok::Eof)) {
    if (tok.is(Tok::Semi)) {
      advance();
      return;
    }
    if (tok.is(Tok::KwScore) || tok.is(Tok::KwMask) || tok.is(Tok::KwParam) ||
        tok.is(Tok::KwConst) || tok.is(Tok::RBrace))
      return;
    advance();
  }
}

// spec := 'kernel' IDENT '{' decl* '}'
std::unique_ptr<SpecAST> Parser::parseSpec() {
  if (!tok.is(Tok::KwKernel)) {
    errorExpected("'kernel'", "at the start of a spec");
    return nullptr;
  }
  advance();
  auto spec = std::make_unique<SpecAST>();
  spec->nameRange = tok.range();
  if (tok.is(Tok::Ident)) {
    spec->name = tok.text.str();
    advance();
  } else {
    errorExpected("a kernel name", "after 'kernel'");
  }
  if (!expect(Tok::LBrace, "to open the kernel body"))
    return spec;
  while (!tok.is(Tok::RBrace) && !tok.is(Tok::Eof)) {
    unsigned errorsBefore = diags.errorCount();
    const char *at = tok.text.data();
    recoveredBlock = false;
    parseDecl(*spec);
    unsigned errors = diags.errorCount() - errorsBefore;
    // A declaration that ended at its ';' or '}' is complete: a lexer error in the token after
    // it belongs to what follows, and synchronizing would skip the next declaration.
    if (tok.text.data() != at && (prevKind == Tok::Semi || prevKind == Tok::RBrace))
      errors -= tokLexErrors;
    if (errors != 0 && !recoveredBlock)
      synchronize();
    if (tok.text.data() == at) // recovery consumed nothing: drop the token
      advance();
  }
  if (expect(Tok::RBrace, "to close the kernel body") && !tok.is(Tok::Eof))
    errorExpected("end of file", "after the kernel body");
  return spec;
}

// decl := tensor | option | param | const | score | mask
void Parser::parseDecl(SpecAST &spec) {
  switch (tok.kind) {
  case Tok::KwParam:
    return parseParam(spec);
  case Tok::KwConst:
    return parseConst(spec);
  case Tok::KwScore:
    return parseBlockDecl(spec, spec.score, spec.scoreRange, "score");
  case Tok::KwMask:
    return parseBlockDecl(spec, spec.mask, spec.maskRange, "mask");
  case Tok::Ident: {
    Token name = tok;
    advance();
    if (consumeIf(Tok::Colon))
      return parseTensorRest(spec, name);
    if (consumeIf(Tok::Assign))
      return parseOptionRest(spec, name);
    return errorExpected("':' (a tensor declaration) or '=' (an option)",
                         ("after '" + name.text + "'").str());
  }
  default:
    return errorExpected(
        "a declaration (a tensor, an option, 'param', 'const', 'score' or 'mask')",
        "in the kernel body");
  }
}

// tensor := IDENT ':' IDENT ('[' INT ']')? ('scale' IDENT)? ';'
void Parser::parseTensorRest(SpecAST &spec, const Token &name) {
  TensorDecl t;
  t.name = name.text.str();
  t.nameRange = name.range();
  t.dtypeRange = tok.range();
  if (!tok.is(Tok::Ident))
    return errorExpected("a dtype", ("after '" + name.text + ":'").str());
  t.dtype = tok.text.str();
  advance();
  if (consumeIf(Tok::LBracket)) {
    t.headDimRange = tok.range();
    if (!tok.is(Tok::Int))
      return errorExpected("the head dim (an integer)", "in '[...]'");
    t.headDim = tok.intValue;
    advance();
    if (!expect(Tok::RBracket, "after the head dim"))
      return;
  }
  if (tok.is(Tok::KwScale)) {
    advance();
    t.scaleRange = tok.range();
    if (!tok.is(Tok::Ident))
      return errorExpected("a scale granularity (per_tensor, per_head or per_token_head)",
                           "after 'scale'");
    t.scale = tok.text.str();
    advance();
  }
  if (!expect(Tok::Semi, ("to end the declaration of '" + name.text + "'").str()))
    return;
  spec.tensors.push_back(std::move(t));
}

// option := IDENT '=' expr ';'
void Parser::parseOptionRest(SpecAST &spec, const Token &name) {
  OptionDecl o;
  o.name = name.text.str();
  o.nameRange = name.range();
  o.value = parseExpr();
  if (!o.value || !expect(Tok::Semi, ("to end option '" + name.text + "'").str()))
    return;
  spec.options.push_back(std::move(o));
}

// param := 'param' IDENT ':' IDENT '[' dim (',' dim)* ']' ';'
// dim   := IDENT | INT
void Parser::parseParam(SpecAST &spec) {
  advance(); // 'param'
  ParamDecl p;
  p.nameRange = tok.range();
  if (!tok.is(Tok::Ident))
    return errorExpected("a param name", "after 'param'");
  p.name = tok.text.str();
  advance();
  if (!expect(Tok::Colon, "after param '" + p.name + "'"))
    return;
  p.dtypeRange = tok.range();
  if (!tok.is(Tok::Ident))
    return errorExpected("a dtype", "for param '" + p.name + "'");
  p.dtype = tok.text.str();
  advance();
  if (!expect(Tok::LBracket, "to give the shape of param '" + p.name + "'"))
    return;
  do {
    ParamDecl::Dim d;
    d.range = tok.range();
    if (tok.is(Tok::Ident))
      d.name = tok.text.str();
    else if (tok.is(Tok::Int))
      d.size = tok.intValue;
    else
      return errorExpected("a dimension (B, H, Hkv, S or an integer)", "in a param shape");
    advance();
    p.dims.push_back(std::move(d));
  } while (consumeIf(Tok::Comma));
  if (!expect(Tok::RBracket, "to close the param shape") ||
      !expect(Tok::Semi, "to end the declaration of param '" + p.name + "'"))
    return;
  spec.params.push_back(std::move(p));
}

// const := 'const' IDENT '=' expr ';'
void Parser::parseConst(SpecAST &spec) {
  advance(); // 'const'
  ConstDecl c;
  c.nameRange = tok.range();
  if (!tok.is(Tok::Ident))
    return errorExpected("a constant name", "after 'const'");
  c.name = tok.text.str();
  advance();
  if (!expect(Tok::Assign, "after 'const " + c.name + "'"))
    return;
  c.value = parseExpr();
  if (!c.value || !expect(Tok::Semi, "to end 'const " + c.name + "'"))
    return;
  spec.consts.push_back(std::move(c));
}

// score := 'score' block
// mask  := 'mask' block
void Parser::parseBlockDecl(SpecAST &spec, ExprPtr &slot, llvm::SMRange &range,
                            llvm::StringRef what) {
  llvm::SMLoc start = tok.loc();
  advance();
  bool duplicate = slot != nullptr;
  if (duplicate) // a semantic error, reported by Sema; the block is still parsed
    spec.duplicateBlocks.push_back({what.str(), llvm::SMRange(start, start), range});
  ExprPtr e = parseBlock();
  if (duplicate || !e)
    return;
  slot = std::move(e);
  range = llvm::SMRange(start, prevEnd);
}

// block := '{' ('let' IDENT '=' expr ';')* expr '}'
// A block becomes nested Let nodes: `{ let a = x; let b = y; r }` is Let(a, x, Let(b, y, r)).
ExprPtr Parser::parseBlock() {
  if (!expect(Tok::LBrace, "to open the block"))
    return nullptr;
  ExprPtr body = parseBlockBody();
  if (!body) {
    // Recover at the brace that closes this block, so the kernel body parses on.
    for (int depth = 1; depth > 0 && !tok.is(Tok::Eof); advance())
      depth += tok.is(Tok::LBrace) ? 1 : tok.is(Tok::RBrace) ? -1 : 0;
    recoveredBlock = true;
  }
  return body;
}

ExprPtr Parser::parseBlockBody() {
  struct Binding {
    Token name;
    ExprPtr value;
  };
  std::vector<Binding> lets;
  while (tok.is(Tok::KwLet)) {
    advance();
    Token name = tok;
    if (!tok.is(Tok::Ident)) {
      errorExpected("a name", "after 'let'");
      return nullptr;
    }
    advance();
    if (!expect(Tok::Assign, ("after 'let " + name.text + "'").str()))
      return nullptr;
    ExprPtr value = parseExpr();
    if (!value || !expect(Tok::Semi, ("to end 'let " + name.text + "'").str()))
      return nullptr;
    lets.push_back({name, std::move(value)});
  }
  ExprPtr body = parseExpr();
  if (!body)
    return nullptr;
  if (tok.is(Tok::Semi)) {
    diags.error(tok.loc()) << "expected '}' to close the block, found ';': the last "
                              "expression of a block takes no ';'";
    return nullptr;
  }
  if (!expect(Tok::RBrace, "to close the block"))
    return nullptr;
  for (auto it = lets.rbegin(); it != lets.rend(); ++it) {
    std::vector<ExprPtr> args;
    args.push_back(std::move(it->value));
    args.push_back(std::move(body));
    body = node(Expr::Let, it->name.loc(), std::move(args));
    if (!body)
      return nullptr;
    body->name = it->name.text.str();
    body->range = it->name.range();
  }
  return body;
}

// expr := or ('?' expr ':' expr)?
ExprPtr Parser::parseExpr() {
  NestingGuard guard(*this);
  if (!guard.ok)
    return nullptr;
  ExprPtr cond = parseOr();
  if (!cond || !tok.is(Tok::Question))
    return cond;
  advance();
  ExprPtr thenE = parseExpr();
  if (!thenE || !expect(Tok::Colon, "between the branches of '?:'"))
    return nullptr;
  ExprPtr elseE = parseExpr();
  llvm::SMLoc start = cond->loc();
  std::vector<ExprPtr> args;
  args.push_back(std::move(cond));
  args.push_back(std::move(thenE));
  args.push_back(std::move(elseE));
  return node(Expr::Ternary, start, std::move(args));
}

// or := and ('||' and)*
ExprPtr Parser::parseOr() {
  ExprPtr lhs = parseAnd();
  while (lhs && tok.is(Tok::OrOr)) {
    advance();
    lhs = binary(BinaryOp::Or, std::move(lhs), parseAnd());
  }
  return lhs;
}

// and := equality ('&&' equality)*
ExprPtr Parser::parseAnd() {
  ExprPtr lhs = parseEquality();
  while (lhs && tok.is(Tok::AndAnd)) {
    advance();
    lhs = binary(BinaryOp::And, std::move(lhs), parseEquality());
  }
  return lhs;
}

// equality := relational (('==' | '!=') relational)*
ExprPtr Parser::parseEquality() {
  ExprPtr lhs = parseRelational();
  while (lhs && (tok.is(Tok::EqEq) || tok.is(Tok::NotEq))) {
    BinaryOp op = tok.is(Tok::EqEq) ? BinaryOp::Eq : BinaryOp::Ne;
    advance();
    lhs = binary(op, std::move(lhs), parseRelational());
  }
  return lhs;
}

// relational := additive (('<' | '<=' | '>' | '>=') additive)*
ExprPtr Parser::parseRelational() {
  ExprPtr lhs = parseAdditive();
  while (lhs) {
    BinaryOp op;
    if (tok.is(Tok::Less))
      op = BinaryOp::Lt;
    else if (tok.is(Tok::LessEq))
      op = BinaryOp::Le;
    else if (tok.is(Tok::Greater))
      op = BinaryOp::Gt;
    else if (tok.is(Tok::GreaterEq))
      op = BinaryOp::Ge;
    else
      break;
    advance();
    lhs = binary(op, std::move(lhs), parseAdditive());
  }
  return lhs;
}

// additive := multiplicative (('+' | '-') multiplicative)*
ExprPtr Parser::parseAdditive() {
  ExprPtr lhs = parseMultiplicative();
  while (lhs && (tok.is(Tok::Plus) || tok.is(Tok::Minus))) {
    BinaryOp op = tok.is(Tok::Plus) ? BinaryOp::Add : BinaryOp::Sub;
    advance();
    lhs = binary(op, std::move(lhs), parseMultiplicative());
  }
  return lhs;
}

// multiplicative := unary (('*' | '/' | '%') unary)*
ExprPtr Parser::parseMultiplicative() {
  ExprPtr lhs = parseUnary();
  while (lhs && (tok.is(Tok::Star) || tok.is(Tok::Slash) || tok.is(Tok::Percent))) {
    BinaryOp op = tok.is(Tok::Star)    ? BinaryOp::Mul
                  : tok.is(Tok::Slash) ? BinaryOp::Div
                                       : BinaryOp::Rem;
    advance();
    lhs = binary(op, std::move(lhs), parseUnary());
  }
  return lhs;
}

// unary := ('-' | '!') unary | primary
ExprPtr Parser::parseUnary() {
  if (!tok.is(Tok::Minus) && !tok.is(Tok::Bang))
    return parsePrimary();
  NestingGuard guard(*this);
  if (!guard.ok)
    return nullptr;
  llvm::SMLoc start = tok.loc();
  UnaryOp op = tok.is(Tok::Minus) ? UnaryOp::Neg : UnaryOp::Not;
  advance();
  std::vector<ExprPtr> args;
  args.push_back(parseUnary());
  ExprPtr e = node(Expr::Unary, start, std::move(args));
  if (e)
    e->unOp = op;
  return e;
}

// args := expr (',' expr)*        (closed by `close`; may be empty for calls)
bool Parser::parseArgs(Tok close, std::vector<ExprPtr> &args) {
  if (consumeIf(close))
    return true;
  do {
    ExprPtr a = parseExpr();
    if (!a)
      return false;
    args.push_back(std::move(a));
  } while (consumeIf(Tok::Comma));
  return expect(close, close == Tok::RParen ? "to close the argument list"
                                            : "to close the index list");
}

// primary := INT | FLOAT | 'true' | 'false' | '(' expr ')'
//          | IDENT | IDENT '(' args? ')' | IDENT '[' args ']'
ExprPtr Parser::parsePrimary() {
  llvm::SMLoc start = tok.loc();
  Token t = tok;
  switch (t.kind) {
  case Tok::Int:
  case Tok::Float:
  case Tok::KwTrue:
  case Tok::KwFalse: {
    advance();
    ExprPtr e = node(t.is(Tok::Int)     ? Expr::IntLit
                     : t.is(Tok::Float) ? Expr::FloatLit
                                        : Expr::BoolLit,
                     start);
    e->intValue = t.intValue;
    e->floatValue = t.floatValue;
    e->boolValue = t.is(Tok::KwTrue);
    return e;
  }
  case Tok::LParen: {
    advance();
    ExprPtr inner = parseExpr();
    if (!inner || !expect(Tok::RParen, "to close '('"))
      return nullptr;
    // Keep the parenthesized range so diagnostics underline what the user wrote.
    inner->range = llvm::SMRange(start, prevEnd);
    return inner;
  }
  case Tok::Ident: {
    advance();
    Expr::Kind kind = Expr::Name;
    std::vector<ExprPtr> args;
    if (tok.is(Tok::LParen) || tok.is(Tok::LBracket)) {
      Tok close = tok.is(Tok::LParen) ? Tok::RParen : Tok::RBracket;
      kind = tok.is(Tok::LParen) ? Expr::Call : Expr::Index;
      advance();
      if (!parseArgs(close, args))
        return nullptr;
    }
    ExprPtr e = node(kind, start, std::move(args));
    if (e)
      e->name = t.text.str();
    return e;
  }
  default:
    errorExpected("an expression", "");
    return nullptr;
  }
}

} // namespace

std::unique_ptr<SpecAST> attn::parseSpec(llvm::StringRef source, SourceDiagnostics &diags) {
  return Parser(source, diags).parseSpec();
}
