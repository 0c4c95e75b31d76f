//===- Emitter.cpp - Evaluation of .heed syntax into MLIR -----------------===//

#include "Emitter.h"
#include "Parser.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>

using namespace mlir;
using namespace heed;
using llvm::SMLoc;

//===----------------------------------------------------------------------===//
// Val
//===----------------------------------------------------------------------===//

/// A float as a user wrote it: 0.5, 1e-10, inf.
static std::string formatNumber(double f) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", f);
  return buf;
}

/// a op b on integers, or nullopt when the result does not fit in int64
/// (for `/`, b must be non-zero).
static std::optional<int64_t> checkedIntOp(char op, int64_t a, int64_t b) {
  switch (op) {
  case '+':
    return llvm::checkedAdd(a, b);
  case '-':
    return llvm::checkedSub(a, b);
  case '*':
    return llvm::checkedMul(a, b);
  default:
    if (b == -1) // INT64_MIN / -1 overflows (and traps)
      return llvm::checkedMul(a, int64_t(-1));
    return a / b;
  }
}

bool heed::hasCountableElements(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    std::optional<int64_t> next = llvm::checkedMul(count, d);
    if (!next)
      return false;
    count = *next;
  }
  return true;
}

std::string Val::describe() const {
  switch (kind) {
  case Kind::Tensor:
    return "a tensor " + formatType(tensor.getType());
  case Kind::Tuple:
    return std::to_string(tuple.size()) + " tensors";
  case Kind::Int:
    return "the integer " + std::to_string(i);
  case Kind::Float:
    return "the number " + formatNumber(f);
  case Kind::Bool:
    return b ? "true" : "false";
  case Kind::String:
    return "the string \"" + s + "\"";
  case Kind::Symbol:
    return "'" + s + "'";
  case Kind::List:
    return "a list";
  case Kind::Struct:
    return s + "(...)";
  }
  return "a value";
}

//===----------------------------------------------------------------------===//
// Emitter: locations, errors, op creation
//===----------------------------------------------------------------------===//

Emitter::Emitter(MLIRContext &ctx, llvm::SourceMgr &sourceMgr,
                 const ast::Module &module, const FrontendOptions &options)
    : ctx(ctx), builder(&ctx), sourceMgr(sourceMgr), module(module),
      options(options) {
  builder.setListener(&opCounter);
}

Location Emitter::fileLoc(SMLoc loc) {
  unsigned id = sourceMgr.FindBufferContainingLoc(loc);
  if (!id)
    return UnknownLoc::get(&ctx);
  auto [line, col] = sourceMgr.getLineAndColumn(loc, id);
  return FileLineColLoc::get(
      &ctx, sourceMgr.getMemoryBuffer(id)->getBufferIdentifier(), line, col);
}

Location Emitter::opLoc(SMLoc loc, const Scope &scope) {
  Location file = fileLoc(loc);
  if (scope.callSite)
    file = CallSiteLoc::get(file, *scope.callSite);
  std::string name = scope.valueName;
  if (!scope.paramPrefix.empty())
    name = scope.paramPrefix + (name.empty() ? "" : "." + name);
  if (name.empty())
    return file;
  return NameLoc::get(StringAttr::get(&ctx, name), file);
}

LogicalResult Emitter::error(SMLoc loc, const Scope &scope,
                             const Twine &message) {
  Location l = fileLoc(loc);
  if (scope.callSite)
    l = CallSiteLoc::get(l, *scope.callSite);
  return emitError(l, message);
}

Value Emitter::constant(double value, Type elementType, Location loc,
                        ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, elementType);
  Attribute scalar;
  if (auto ft = dyn_cast<FloatType>(elementType))
    scalar = FloatAttr::get(ft, value);
  else if (elementType.isInteger(1))
    scalar = BoolAttr::get(&ctx, value != 0);
  else
    scalar = IntegerAttr::get(elementType, (int64_t)value);
  DenseElementsAttr attr;
  if (elementType.isInteger(1))
    attr = DenseElementsAttr::get(type, value != 0);
  else
    attr = DenseElementsAttr::get(type, scalar);
  return builder.create<ConstantOp>(loc, attr).getResult();
}

FailureOr<Value> Emitter::asTensor(const Val &v, Type likeType,
                                   const Scope &scope) {
  if (v.kind == Val::Kind::Tensor)
    return v.tensor;
  Type et = likeType ? getElementTypeOrSelf(likeType) : builder.getF32Type();
  if (v.kind == Val::Kind::Bool)
    return constant(v.b, builder.getI1Type(), opLoc(v.loc, scope));
  if (!v.isNumber())
    return error(v.loc, scope,
                 "expected a tensor or a number, got " + v.describe());
  if (v.kind == Val::Kind::Float && !isa<FloatType>(et) && !std::isinf(v.f))
    return error(v.loc, scope,
                 "cannot combine the float " + formatNumber(v.f) +
                     " with a tensor of " + formatElementType(et) +
                     "; cast the tensor first");
  if (v.kind == Val::Kind::Float && !isa<FloatType>(et))
    return error(v.loc, scope,
                 "infinity has no " + formatElementType(et) + " value");
  return constant(v.number(), et, opLoc(v.loc, scope));
}

//===----------------------------------------------------------------------===//
// Dimensions and types
//===----------------------------------------------------------------------===//

FailureOr<int64_t> Emitter::evalDimExpr(const ast::Expr &e) {
  Scope none;
  switch (e.kind) {
  case ast::Expr::Kind::Int:
    return e.intValue;
  case ast::Expr::Kind::Ident: {
    auto it = dims.find(e.text);
    if (it == dims.end())
      return error(e.loc, none, "'" + e.text + "' is not a dimension");
    if (!it->second)
      return error(e.loc, none,
                   "dimension '" + e.text +
                       "' has no value; give it one in "
                       "the file (dim " +
                       e.text + " = 128) or pass --dim " + e.text + "=VALUE");
    return *it->second;
  }
  case ast::Expr::Kind::Neg: {
    auto v = evalDimExpr(*e.args[0]);
    if (failed(v))
      return failure();
    if (auto r = checkedIntOp('*', *v, -1))
      return *r;
    return error(e.loc, none,
                 "integer overflow in -(" + std::to_string(*v) + ")");
  }
  case ast::Expr::Kind::Binary: {
    auto a = evalDimExpr(*e.args[0]);
    if (failed(a))
      return failure();
    auto b = evalDimExpr(*e.args[1]);
    if (failed(b))
      return failure();
    if (e.op == '/' && (*b == 0 || (*b != -1 && *a % *b)))
      return error(e.loc, none,
                   std::to_string(*a) + " / " + std::to_string(*b) +
                       " is not a whole number");
    if (auto r = checkedIntOp(e.op, *a, *b))
      return *r;
    return error(e.loc, none,
                 "integer overflow in " + std::to_string(*a) + " " + e.op +
                     " " + std::to_string(*b));
  }
  default:
    return error(e.loc, none,
                 "a dimension must be an integer expression of dimensions");
  }
}

LogicalResult Emitter::resolveDims() {
  Scope none;
  for (const ast::DimDecl &d : module.dims) {
    if (dims.count(d.name.name))
      return error(d.name.loc, none,
                   "dimension '" + d.name.name + "' is declared twice");
    std::optional<int64_t> value;
    auto over = options.dims.find(d.name.name);
    if (over != options.dims.end()) {
      value = over->second;
    } else if (d.value) {
      auto v = evalDimExpr(*d.value);
      if (failed(v))
        return failure();
      value = *v;
    }
    if (value && *value < 1)
      return error(d.name.loc, none,
                   "dimension '" + d.name.name + "' must be positive, got " +
                       std::to_string(*value));
    dims[d.name.name] = value;
    dimDecls[d.name.name] = &d;
  }
  for (const auto &[name, value] : options.dims)
    if (!dims.count(name)) {
      std::string known;
      for (const auto &d : dims)
        known += (known.empty() ? "" : ", ") + d.first;
      return emitError(
          UnknownLoc::get(&ctx),
          "--dim " + name + "=" + std::to_string(value) +
              ": the model declares no dimension '" + name + "'" +
              (known.empty() ? "" : " (it declares " + known + ")"));
    }
  return success();
}

FailureOr<RankedTensorType>
Emitter::evalTensorType(const ast::TensorTypeSpec &spec, const Scope &scope) {
  Type et = llvm::StringSwitch<Type>(spec.dtype)
                .Case("f32", builder.getF32Type())
                .Case("f16", builder.getF16Type())
                .Case("bf16", builder.getBF16Type())
                .Case("i64", builder.getI64Type())
                .Case("i32", builder.getI32Type())
                .Case("i1", builder.getI1Type())
                .Default(Type());
  if (!et)
    return error(spec.loc, scope,
                 "unknown dtype '" + spec.dtype +
                     "'; expected f32, bf16, f16, i64, i32 or i1");
  SmallVector<int64_t> shape;
  for (const ast::ExprPtr &d : spec.dims) {
    auto v = evalDimExpr(*d);
    if (failed(v))
      return failure();
    if (*v < 1)
      return error(d->loc, scope,
                   "extents must be positive, got " + std::to_string(*v));
    shape.push_back(*v);
  }
  auto type = RankedTensorType::get(shape, et);
  if (!hasCountableElements(shape))
    return error(spec.loc, scope,
                 formatType(type) + " has more elements than a 64-bit "
                                    "integer can count");
  return type;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

/// The state input of graph \p g named \p name, or null (a subgraph has
/// none).
static const ast::Input *stateNamed(const ast::GraphDecl &g, StringRef name) {
  for (const ast::Input &in : g.inputs)
    if (in.isState && in.name.name == name)
      return &in;
  return nullptr;
}

static bool isDTypeName(StringRef s) {
  return s == "f32" || s == "f16" || s == "bf16" || s == "i64" || s == "i32" ||
         s == "i1";
}

/// Where a name is assigned later in the same body, for "used before its
/// definition" messages.
static std::optional<SMLoc> laterDefinition(const ast::GraphDecl *g,
                                            StringRef name) {
  if (!g)
    return std::nullopt;
  for (const ast::Stmt &s : g->body)
    for (const ast::Name &t : s.targets)
      if (t.name == name)
        return t.loc;
  return std::nullopt;
}

FailureOr<Val> Emitter::evalIdent(const ast::Expr &e, Scope &scope) {
  Val v;
  v.loc = e.loc;
  auto it = scope.values.find(e.text);
  if (it != scope.values.end()) {
    v = it->second;
    v.loc = e.loc;
    return v;
  }
  auto dim = dims.find(e.text);
  if (dim != dims.end()) {
    auto value = evalDimExpr(e);
    if (failed(value))
      return failure();
    v.kind = Val::Kind::Int;
    v.i = *value;
    return v;
  }
  if (e.text == "true" || e.text == "false") {
    v.kind = Val::Kind::Bool;
    v.b = e.text == "true";
    return v;
  }
  if (e.text == "inf") {
    v.kind = Val::Kind::Float;
    v.f = INFINITY;
    return v;
  }
  if (isDTypeName(e.text) || e.text == "none" || e.text == "causal") {
    v.kind = Val::Kind::Symbol;
    v.s = e.text;
    return v;
  }
  if (auto later = laterDefinition(scope.graph, e.text)) {
    unsigned line = sourceMgr.getLineAndColumn(*later).first;
    return error(e.loc, scope,
                 "'" + e.text + "' is used before its definition on line " +
                     std::to_string(line));
  }
  if (getBuiltins().count(e.text) || subgraphs.count(e.text))
    return error(e.loc, scope,
                 "'" + e.text + "' is an op; call it: " + e.text + "(...)");
  return error(e.loc, scope, "use of undefined name '" + e.text + "'");
}

FailureOr<Val> Emitter::evalNeg(const ast::Expr &e, Scope &scope) {
  auto operand = eval(*e.args[0], scope);
  if (failed(operand))
    return failure();
  Val v = *operand;
  v.loc = e.loc;
  if (v.kind == Val::Kind::Int) {
    auto r = checkedIntOp('*', v.i, -1);
    if (!r)
      return error(e.loc, scope,
                   "integer overflow in -(" + std::to_string(v.i) + ")");
    v.i = *r;
    return v;
  }
  if (v.kind == Val::Kind::Float) {
    v.f = -v.f;
    return v;
  }
  if (v.kind != Val::Kind::Tensor)
    return error(e.loc, scope, "cannot negate " + v.describe());
  auto neg = createValue<NegOp>(opLoc(e.loc, scope), {v.tensor});
  if (failed(neg))
    return failure();
  v.tensor = *neg;
  return v;
}

FailureOr<Val> Emitter::evalBinary(const ast::Expr &e, Scope &scope) {
  auto lhs = eval(*e.args[0], scope);
  if (failed(lhs))
    return failure();
  auto rhs = eval(*e.args[1], scope);
  if (failed(rhs))
    return failure();
  Val v;
  v.loc = e.loc;
  if (lhs->isNumber() && rhs->isNumber()) {
    bool ints = lhs->kind == Val::Kind::Int && rhs->kind == Val::Kind::Int;
    if (ints && e.op == '/' && rhs->i == 0)
      return error(e.loc, scope,
                   "division by zero: " + std::to_string(lhs->i) + " / 0");
    if (ints && e.op == '/' && rhs->i != -1 && lhs->i % rhs->i) {
      // As Python's `/`: a fraction, usable wherever a number is; where an
      // integer is required the error names the division.
      v.kind = Val::Kind::Float;
      v.f = (double)lhs->i / (double)rhs->i;
      v.inexactDivision =
          std::to_string(lhs->i) + " / " + std::to_string(rhs->i);
      return v;
    }
    if (ints) {
      auto r = checkedIntOp(e.op, lhs->i, rhs->i);
      if (!r)
        return error(e.loc, scope,
                     "integer overflow in " + std::to_string(lhs->i) + " " +
                         e.op + " " + std::to_string(rhs->i));
      v.kind = Val::Kind::Int;
      v.i = *r;
      return v;
    }
    double a = lhs->number(), b = rhs->number();
    v.kind = Val::Kind::Float;
    v.f = e.op == '+'   ? a + b
          : e.op == '-' ? a - b
          : e.op == '*' ? a * b
                        : a / b;
    return v;
  }
  for (const Val *side : {&*lhs, &*rhs})
    if (side->kind != Val::Kind::Tensor && !side->isNumber())
      return error(side->loc, scope,
                   std::string("operator '") + e.op +
                       "' needs tensors or numbers, got " + side->describe());
  Type like = lhs->kind == Val::Kind::Tensor ? lhs->tensor.getType()
                                             : rhs->tensor.getType();
  auto a = asTensor(*lhs, like, scope);
  if (failed(a))
    return failure();
  auto b = asTensor(*rhs, like, scope);
  if (failed(b))
    return failure();
  Location loc = opLoc(e.loc, scope);
  FailureOr<Value> result = e.op == '+'   ? createValue<AddOp>(loc, {*a, *b})
                            : e.op == '-' ? createValue<SubOp>(loc, {*a, *b})
                            : e.op == '*' ? createValue<MulOp>(loc, {*a, *b})
                                          : createValue<DivOp>(loc, {*a, *b});
  if (failed(result))
    return failure();
  v.kind = Val::Kind::Tensor;
  v.tensor = *result;
  return v;
}

FailureOr<Val> Emitter::eval(const ast::Expr &e, Scope &scope) {
  Val v;
  v.loc = e.loc;
  switch (e.kind) {
  case ast::Expr::Kind::Ident:
    return evalIdent(e, scope);
  case ast::Expr::Kind::Int:
    v.kind = Val::Kind::Int;
    v.i = e.intValue;
    return v;
  case ast::Expr::Kind::Float:
    v.kind = Val::Kind::Float;
    v.f = e.floatValue;
    return v;
  case ast::Expr::Kind::String:
    v.kind = Val::Kind::String;
    v.s = e.text;
    return v;
  case ast::Expr::Kind::List:
    v.kind = Val::Kind::List;
    for (const ast::ExprPtr &item : e.args) {
      auto iv = eval(*item, scope);
      if (failed(iv))
        return failure();
      v.items.push_back(std::move(*iv));
    }
    return v;
  case ast::Expr::Kind::Neg:
    return evalNeg(e, scope);
  case ast::Expr::Kind::Binary:
    return evalBinary(e, scope);
  case ast::Expr::Kind::Call:
    return evalCall(e, scope);
  case ast::Expr::Kind::Subscript:
    return evalSubscript(e, scope);
  }
  return failure();
}

/// Binds positional and keyword arguments to a builtin's parameter names.
static LogicalResult
bindArguments(Call &call, const Builtin &builtin, std::vector<Val> positional,
              std::vector<std::pair<ast::KeywordArg const *, Val>> keywords) {
  const std::vector<std::string> &params = builtin.params;
  auto plainName = [](StringRef p) { return p.rtrim("?").rtrim("."); };
  std::string signature = call.name().str() + "(";
  for (size_t i = 0; i < params.size(); ++i)
    signature += (i ? ", " : "") + params[i];
  signature += ")";
  size_t first = 0;
  if (!params.empty() && StringRef(params[0]).ends_with("...")) {
    call.variadic = std::move(positional);
    positional.clear();
    first = 1;
  }
  if (positional.size() > params.size() - first)
    return call.errorAt(positional[params.size() - first],
                        "too many arguments; the signature is " + signature);
  for (size_t i = 0; i < positional.size(); ++i)
    call.args[plainName(params[first + i])] = std::move(positional[i]);
  for (auto &[kw, value] : keywords) {
    bool known = false;
    for (size_t i = first; i < params.size(); ++i)
      known |= plainName(params[i]) == kw->name;
    if (!known)
      return call.errorAt(value, "no argument '" + kw->name +
                                     "'; the signature is " + signature);
    if (call.args.count(kw->name))
      return call.errorAt(value, "argument '" + kw->name +
                                     "' is given twice (by position and by "
                                     "name)");
    call.args[kw->name] = std::move(value);
  }
  for (size_t i = first; i < params.size(); ++i) {
    StringRef p = params[i];
    if (!p.ends_with("?") && !call.args.count(p))
      return call.error("missing argument '" + p + "'; the signature is " +
                        signature);
  }
  if (first && call.variadic.empty())
    return call.error("needs at least one input; the signature is " +
                      signature);
  return success();
}

FailureOr<Val> Emitter::evalCall(const ast::Expr &e, Scope &scope) {
  auto sub = subgraphs.find(e.text);
  if (sub != subgraphs.end())
    return evalSubgraphCall(e, *sub->second, scope);

  // Positional and keyword arguments are evaluated left to right.
  std::vector<Val> positional;
  for (const ast::ExprPtr &a : e.args) {
    auto v = eval(*a, scope);
    if (failed(v))
      return failure();
    positional.push_back(std::move(*v));
  }
  std::vector<std::pair<const ast::KeywordArg *, Val>> keywords;
  for (const ast::KeywordArg &kw : e.keywords) {
    auto v = eval(*kw.value, scope);
    if (failed(v))
      return failure();
    v->loc = kw.loc;
    keywords.emplace_back(&kw, std::move(*v));
  }

  // Structures used as attribute values: window(l, r), topk(ratio).
  if (e.text == "window" || e.text == "topk") {
    if (e.path || !keywords.empty())
      return error(e.loc, scope, e.text + "(...) takes positional numbers");
    Val v;
    v.kind = Val::Kind::Struct;
    v.loc = e.loc;
    v.s = e.text;
    v.items = std::move(positional);
    return v;
  }

  const auto &builtins = getBuiltins();
  auto it = builtins.find(e.text);
  if (it == builtins.end()) {
    for (const ast::GraphDecl &g : module.graphs)
      if (!g.isSubgraph && g.name.name == e.text)
        return error(e.loc, scope,
                     "'" + e.text +
                         "' is a graph and cannot be called; "
                         "declare it with 'def' to use it as a subgraph");
    // Suggest an op only when at most 2 edits and at most half the name
    // differ (so `f` does not suggest `lt`).
    std::string best;
    unsigned bestDistance =
        std::min<unsigned>(3, (unsigned)e.text.size() / 2 + 1);
    for (const auto &entry : builtins) {
      unsigned d = StringRef(e.text).edit_distance(entry.getKey());
      if (d < bestDistance) {
        bestDistance = d;
        best = entry.getKey().str();
      }
    }
    return error(
        e.loc, scope,
        "unknown op '" + e.text + "'" +
            (best.empty() ? std::string() : "; did you mean '" + best + "'?"));
  }
  Call call(*this, e, scope);
  if (failed(bindArguments(call, it->second, std::move(positional),
                           std::move(keywords))))
    return failure();
  auto noParameters = [&] {
    return error(e.pathLoc, scope,
                 "'" + e.text + "' has no parameters; remove [" + *e.path +
                     "]");
  };
  if (it->second.evaluateNumber && call.arg("x").isNumber()) {
    // A function of a number is a number: sqrt(D / H), log(16.0).
    if (e.path)
      return noParameters();
    Val v;
    v.loc = e.loc;
    v.kind = Val::Kind::Float;
    v.f = it->second.evaluateNumber(call.arg("x").number());
    return v;
  }
  auto results = it->second.build(call);
  if (failed(results))
    return failure();
  if (e.path && !call.usedParamPrefix())
    return noParameters();
  Val v;
  v.loc = e.loc;
  if (results->size() == 1) {
    v.kind = Val::Kind::Tensor;
    v.tensor = (*results)[0];
  } else {
    v.kind = Val::Kind::Tuple;
    v.tuple = std::move(*results);
  }
  return v;
}

FailureOr<Val> Emitter::evalSubgraphCall(const ast::Expr &e,
                                         const ast::GraphDecl &def,
                                         Scope &scope) {
  if (llvm::is_contained(activeCalls, def.name.name))
    return error(e.loc, scope, "subgraph '" + def.name.name + "' calls itself");
  Scope inner;
  inner.graph = &def;
  inner.callSite = opLoc(e.loc, scope);
  // Bind the arguments to the subgraph's inputs by position, then by name.
  if (e.args.size() > def.inputs.size())
    return error(e.args[def.inputs.size()]->loc, scope,
                 "too many arguments: subgraph '" + def.name.name + "' takes " +
                     std::to_string(def.inputs.size()));
  std::vector<std::optional<Val>> bound(def.inputs.size());
  for (size_t i = 0; i < e.args.size(); ++i) {
    auto v = eval(*e.args[i], scope);
    if (failed(v))
      return failure();
    bound[i] = std::move(*v);
  }
  for (const ast::KeywordArg &kw : e.keywords) {
    auto pos = llvm::find_if(def.inputs, [&](const ast::Input &in) {
      return in.name.name == kw.name;
    });
    if (pos == def.inputs.end())
      return error(kw.loc, scope,
                   "subgraph '" + def.name.name + "' has no input '" + kw.name +
                       "'");
    size_t index = pos - def.inputs.begin();
    if (bound[index])
      return error(kw.loc, scope, "input '" + kw.name + "' is given twice");
    auto v = eval(*kw.value, scope);
    if (failed(v))
      return failure();
    bound[index] = std::move(*v);
  }
  for (size_t i = 0; i < def.inputs.size(); ++i) {
    const ast::Input &in = def.inputs[i];
    if (!bound[i])
      return error(e.loc, scope,
                   "missing input '" + in.name.name + "' of subgraph '" +
                       def.name.name + "'");
    if (in.type) {
      auto type = evalTensorType(*in.type, inner);
      if (failed(type))
        return failure();
      if (bound[i]->kind != Val::Kind::Tensor ||
          bound[i]->tensor.getType() != *type)
        return error(bound[i]->loc, scope,
                     "input '" + in.name.name + "' of subgraph '" +
                         def.name.name + "' must be " + formatType(*type) +
                         ", got " + bound[i]->describe());
    }
    if (failed(bind(in.name, *bound[i], inner)))
      return failure();
  }

  // The parameter prefix. A call without `[path]` takes the statement's
  // default prefix only when its body creates parameters, so that a
  // parameter-free subgraph (an activation) can sit next to a linear:
  // the prefix is claimed after the arguments were evaluated (as for builtin
  // ops) and given back when no parameter was created; when it is already
  // taken, creating a parameter in the body is the error.
  std::string local;
  bool claimedDefault = false;
  std::optional<PrefixConflict> outerConflict = prefixConflict;
  if (e.path) {
    local = *e.path;
  } else if (!scope.valueName.empty()) {
    if (scope.defaultPrefixUsed)
      prefixConflict = PrefixConflict{
          e.loc, &scope,
          "two calls in this statement would share the parameter prefix '" +
              scope.valueName + "'; give this one a name: " + e.text +
              "[NAME](...)"};
    else
      scope.defaultPrefixUsed = claimedDefault = true;
    local = scope.valueName;
  }
  inner.paramPrefix = joinParamPath(scope.paramPrefix, local);
  size_t paramsBefore = params.size();

  activeCalls.push_back(def.name.name);
  auto outputs = evalBody(def, inner);
  activeCalls.pop_back();
  prefixConflict = outerConflict;
  if (failed(outputs))
    return failure();
  if (claimedDefault && params.size() == paramsBefore)
    scope.defaultPrefixUsed = false;
  if (e.path && params.size() == paramsBefore)
    return error(e.pathLoc, scope,
                 "subgraph '" + def.name.name +
                     "' creates no parameters; remove [" + *e.path + "]");
  Val v;
  v.loc = e.loc;
  if (outputs->size() == 1) {
    // The value is located at the call, not at the subgraph's return.
    Val out = std::move((*outputs)[0].second);
    out.loc = e.loc;
    return out;
  }
  v.kind = Val::Kind::Tuple;
  for (auto &[name, out] : *outputs) {
    if (out.kind != Val::Kind::Tensor)
      return error(e.loc, scope,
                   "subgraph output '" + name + "' is not a tensor");
    v.tuple.push_back(out.tensor);
  }
  return v;
}

//===----------------------------------------------------------------------===//
// Statements and graphs
//===----------------------------------------------------------------------===//

LogicalResult Emitter::bind(const ast::Name &name, Val value, Scope &scope) {
  auto prev = scope.definedAt.find(name.name);
  if (prev != scope.definedAt.end()) {
    unsigned line = sourceMgr.getLineAndColumn(prev->second).first;
    return error(name.loc, scope,
                 "'" + name.name + "' is already defined on line " +
                     std::to_string(line) +
                     "; every value has one definition (use a new name)");
  }
  if (dims.count(name.name))
    return error(name.loc, scope,
                 "'" + name.name + "' is a dimension; use another name");
  static const char *reserved[] = {"true",   "false", "inf", "none",
                                   "causal", "f32",   "f16", "bf16",
                                   "i64",    "i32",   "i1"};
  for (const char *word : reserved)
    if (name.name == word)
      return error(name.loc, scope,
                   "'" + name.name + "' is a reserved word; use another name");
  scope.values[name.name] = std::move(value);
  scope.definedAt[name.name] = name.loc;
  return success();
}

FailureOr<std::vector<std::pair<std::string, Val>>>
Emitter::evalBody(const ast::GraphDecl &g, Scope &scope) {
  std::optional<std::vector<std::pair<std::string, Val>>> outputs;
  for (const ast::Stmt &s : g.body) {
    scope.stmt = &s;
    scope.defaultPrefixUsed = false;
    scope.valueName = s.targets.empty() ? "" : s.targets.front().name;
    if (outputs)
      return error(s.loc, scope, "statement after 'return'");
    if (s.kind == ast::Stmt::Kind::Return) {
      outputs.emplace();
      for (const auto &[name, expr] : s.outputs) {
        for (const auto &prev : *outputs)
          if (prev.first == name.name)
            return error(name.loc, scope,
                         "output '" + name.name + "' is returned twice");
        // `return y = EXPR` defines y; `return y` (or `y = y`) returns the
        // existing y.
        bool shortForm =
            expr->kind == ast::Expr::Kind::Ident && expr->text == name.name;
        const ast::Input *state = stateNamed(g, name.name);
        if (state && shortForm)
          return error(name.loc, scope,
                       "state '" + name.name +
                           "' is returned unchanged; leave it out of "
                           "'return' to keep it, or write 'return " +
                           name.name + " = EXPR' to update it");
        auto prev = scope.definedAt.find(name.name);
        if (!state && !shortForm && prev != scope.definedAt.end()) {
          unsigned line = sourceMgr.getLineAndColumn(prev->second).first;
          return error(name.loc, scope,
                       "'" + name.name + "' is already defined on line " +
                           std::to_string(line) +
                           "; name the output differently or write "
                           "'return " +
                           name.name + "'");
        }
        scope.valueName = name.name;
        scope.defaultPrefixUsed = false;
        auto v = eval(*expr, scope);
        if (failed(v))
          return failure();
        if (v->kind != Val::Kind::Tensor)
          return error(expr->loc, scope,
                       "output '" + name.name + "' must be a tensor, got " +
                           v->describe());
        if (state) {
          Type want = scope.values.at(name.name).tensor.getType();
          if (v->tensor.getType() != want)
            return error(expr->loc, scope,
                         "the next value of state '" + name.name + "' is " +
                             formatType(v->tensor.getType()) +
                             " but the state is " + formatType(want));
        }
        outputs->emplace_back(name.name, std::move(*v));
      }
      continue;
    }
    auto v = eval(*s.value, scope);
    if (succeeded(v) && opCounter.count > options.maxOps)
      return error(s.loc, scope,
                   "the model has grown past " +
                       std::to_string(options.maxOps) +
                       " ops here (nested subgraph calls multiply); raise "
                       "the limit with --max-ops=N if this is intended");
    if (failed(v))
      return failure();
    if (v->kind == Val::Kind::Tuple) {
      if (v->tuple.size() != s.targets.size())
        return error(s.targets.front().loc, scope,
                     "the right-hand side gives " +
                         std::to_string(v->tuple.size()) + " values but " +
                         std::to_string(s.targets.size()) +
                         (s.targets.size() == 1 ? " name is" : " names are") +
                         " assigned");
      for (size_t i = 0; i < s.targets.size(); ++i) {
        Val part;
        part.kind = Val::Kind::Tensor;
        part.tensor = v->tuple[i];
        part.loc = s.targets[i].loc;
        if (failed(bind(s.targets[i], part, scope)))
          return failure();
      }
      continue;
    }
    if (s.targets.size() != 1)
      return error(s.targets.front().loc, scope,
                   "the right-hand side gives 1 value but " +
                       std::to_string(s.targets.size()) +
                       " names are assigned");
    if (failed(bind(s.targets[0], std::move(*v), scope)))
      return failure();
  }
  scope.stmt = nullptr;
  scope.valueName.clear();
  if (!outputs)
    return error(g.name.loc, scope,
                 std::string(g.isSubgraph ? "subgraph" : "graph") + " '" +
                     g.name.name + "' has no 'return' statement");
  return std::move(*outputs);
}

LogicalResult Emitter::emitGraph(const ast::GraphDecl &g) {
  Scope scope;
  scope.graph = &g;
  params.clear();
  SmallVector<Type> inputTypes;
  for (const ast::Input &in : g.inputs) {
    auto type = evalTensorType(*in.type, scope);
    if (failed(type))
      return failure();
    inputTypes.push_back(*type);
  }
  builder.setInsertionPointToEnd(moduleOp.getBody());
  auto func =
      builder.create<func::FuncOp>(fileLoc(g.name.loc), g.name.name,
                                   builder.getFunctionType(inputTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const ast::Input &in = g.inputs[i];
    if (scope.definedAt.count(in.name.name))
      return error(in.name.loc, scope,
                   "input '" + in.name.name + "' is declared twice");
    BlockArgument arg = body->getArgument(i);
    arg.setLoc(NameLoc::get(builder.getStringAttr(in.name.name),
                            fileLoc(in.name.loc)));
    func.setArgAttr(i, kNameAttrName, builder.getStringAttr(in.name.name));
    if (in.isState)
      func.setArgAttr(i, kStateAttrName, builder.getUnitAttr());
    Val v;
    v.kind = Val::Kind::Tensor;
    v.tensor = arg;
    v.loc = in.name.loc;
    if (failed(bind(in.name, v, scope)))
      return failure();
  }
  auto outputs = evalBody(g, scope);
  if (failed(outputs))
    return failure();
  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (auto &[name, v] : *outputs) {
    results.push_back(v.tensor);
    resultTypes.push_back(v.tensor.getType());
  }
  builder.create<func::ReturnOp>(fileLoc(g.body.back().loc), results);
  func.setFunctionType(builder.getFunctionType(inputTypes, resultTypes));
  for (size_t i = 0; i < outputs->size(); ++i) {
    func.setResultAttr(i, kNameAttrName,
                       builder.getStringAttr((*outputs)[i].first));
    if (stateNamed(g, (*outputs)[i].first))
      func.setResultAttr(i, kStateAttrName, builder.getUnitAttr());
  }
  return success();
}

OwningOpRef<ModuleOp> Emitter::run() {
  OwningOpRef<ModuleOp> owned = ModuleOp::create(UnknownLoc::get(&ctx));
  moduleOp = *owned;
  if (failed(resolveDims()))
    return nullptr;
  Scope none;
  llvm::StringMap<SMLoc> seen;
  for (const ast::GraphDecl &g : module.graphs) {
    if (seen.count(g.name.name)) {
      unsigned line = sourceMgr.getLineAndColumn(seen[g.name.name]).first;
      (void)error(g.name.loc, none,
                  "'" + g.name.name + "' is already declared on line " +
                      std::to_string(line));
      return nullptr;
    }
    if (getBuiltins().count(g.name.name)) {
      (void)error(g.name.loc, none,
                  "'" + g.name.name +
                      "' is the name of a builtin op; choose "
                      "another name");
      return nullptr;
    }
    seen[g.name.name] = g.name.loc;
    if (g.isSubgraph)
      subgraphs[g.name.name] = &g;
    for (size_t i = 0; i < g.inputs.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (g.inputs[j].name.name == g.inputs[i].name.name) {
          (void)error(g.inputs[i].name.loc, none,
                      "input '" + g.inputs[i].name.name +
                          "' is declared twice");
          return nullptr;
        }
  }
  std::vector<const ast::GraphDecl *> graphs;
  for (const ast::GraphDecl &g : module.graphs)
    if (!g.isSubgraph)
      graphs.push_back(&g);
  for (const ast::GraphDecl *g : graphs)
    if (failed(emitGraph(*g)))
      return nullptr;

  // The entry graph: --entry, or the only graph.
  std::string entry = options.entry;
  if (entry.empty()) {
    if (graphs.size() > 1) {
      std::string names;
      for (const ast::GraphDecl *g : graphs)
        names += (names.empty() ? "" : ", ") + g->name.name;
      emitError(UnknownLoc::get(&ctx), "the file declares several graphs (" +
                                           names +
                                           "); choose one with --entry NAME");
      return nullptr;
    }
    entry = graphs.front()->name.name;
  } else if (llvm::none_of(graphs, [&](const ast::GraphDecl *g) {
               return g->name.name == entry;
             })) {
    emitError(UnknownLoc::get(&ctx), "--entry " + entry +
                                         ": the file declares no graph '" +
                                         entry + "'");
    return nullptr;
  }
  moduleOp->setAttr(kEntryAttrName, builder.getStringAttr(entry));
  if (failed(verify(moduleOp)))
    return nullptr;
  return owned;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> heed::emitHeedModule(llvm::SourceMgr &sourceMgr,
                                           unsigned bufferId,
                                           MLIRContext &context,
                                           const FrontendOptions &options) {
  context.loadDialect<HeedDialect, attn::AttnDialect, func::FuncDialect>();
  const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(bufferId);
  std::optional<ast::Module> module =
      parseHeed(buffer->getBuffer(), [&](SMLoc loc, const std::string &msg) {
        auto [line, col] = sourceMgr.getLineAndColumn(loc, bufferId);
        emitError(FileLineColLoc::get(&context, buffer->getBufferIdentifier(),
                                      line, col),
                  msg);
      });
  if (!module)
    return nullptr;
  Emitter emitter(context, sourceMgr, *module, options);
  return emitter.run();
}
