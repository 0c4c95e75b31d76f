//===- Call.cpp - Argument access for builtin ops -------------------------===//

#include "Emitter.h"

#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"

using namespace mlir;
using namespace heed;

std::string heed::joinParamPath(StringRef prefix, StringRef segment) {
  if (prefix.empty())
    return segment.str();
  if (segment.empty())
    return prefix.str();
  return (prefix + "." + segment).str();
}

Location Call::loc() const { return em.opLoc(expr.loc, scope); }

/// "; 64 / 3 is not a whole number" for a float made by such a division.
static std::string notWhole(const Val &v) {
  if (v.kind != Val::Kind::Float || v.inexactDivision.empty())
    return "";
  return " (" + v.inexactDivision + " is not a whole number)";
}

LogicalResult Call::error(const Twine &message) const {
  return em.error(expr.loc, scope, name() + ": " + message);
}

LogicalResult Call::errorAt(const Val &v, const Twine &message) const {
  return em.error(v.loc, scope, name() + ": " + message);
}

FailureOr<Value> Call::tensor(StringRef param) const {
  const Val &v = arg(param);
  if (v.kind == Val::Kind::Tensor)
    return v.tensor;
  if (v.kind == Val::Kind::Tuple)
    return errorAt(v, "argument '" + param + "' gets " + v.describe() +
                          "; assign them to names first (a, b = ...)");
  return errorAt(v, "argument '" + param + "' must be a tensor, got " +
                        v.describe());
}

FailureOr<Value> Call::optionalTensor(StringRef param) const {
  if (!has(param))
    return Value();
  const Val &v = arg(param);
  if (v.kind == Val::Kind::Symbol && v.s == "none")
    return Value();
  return tensor(param);
}

FailureOr<int64_t> Call::integer(StringRef param,
                                 std::optional<int64_t> dflt) const {
  if (!has(param)) {
    if (dflt)
      return *dflt;
    return error("missing argument '" + param + "'");
  }
  const Val &v = arg(param);
  if (v.kind != Val::Kind::Int)
    return errorAt(v, "argument '" + param + "' must be an integer, got " +
                          v.describe() + notWhole(v));
  return v.i;
}

FailureOr<double> Call::number(StringRef param,
                               std::optional<double> dflt) const {
  if (!has(param)) {
    if (dflt)
      return *dflt;
    return error("missing argument '" + param + "'");
  }
  const Val &v = arg(param);
  if (!v.isNumber())
    return errorAt(v, "argument '" + param + "' must be a number, got " +
                          v.describe());
  return v.number();
}

FailureOr<bool> Call::boolean(StringRef param, bool dflt) const {
  if (!has(param))
    return dflt;
  const Val &v = arg(param);
  if (v.kind != Val::Kind::Bool)
    return errorAt(v, "argument '" + param + "' must be true or false, got " +
                          v.describe());
  return v.b;
}

FailureOr<SmallVector<int64_t>> Call::intList(StringRef param) const {
  const Val &v = arg(param);
  SmallVector<int64_t> out;
  if (v.kind == Val::Kind::Int)
    return SmallVector<int64_t>{v.i};
  if (v.kind != Val::Kind::List)
    return errorAt(v, "argument '" + param +
                          "' must be a list of integers, got " + v.describe());
  for (const Val &item : v.items) {
    if (item.kind != Val::Kind::Int)
      return errorAt(item, "argument '" + param +
                               "' must be a list of integers, got " +
                               item.describe() + " in it" + notWhole(item));
    out.push_back(item.i);
  }
  return out;
}

FailureOr<int64_t> Call::axis(StringRef param, int64_t rank,
                              std::optional<int64_t> dflt) const {
  auto a = integer(param, dflt);
  if (failed(a))
    return failure();
  if (*a < -rank || *a >= rank) {
    std::string message = "axis " + std::to_string(*a) +
                          " is out of range for rank " + std::to_string(rank);
    return has(param) ? errorAt(arg(param), message) : error(message);
  }
  return *a < 0 ? *a + rank : *a;
}

FailureOr<Type> Call::dtype(StringRef param,
                            std::optional<StringRef> dflt) const {
  std::string s;
  if (!has(param)) {
    if (!dflt)
      return error("missing argument '" + param + "'");
    s = dflt->str();
  } else {
    const Val &v = arg(param);
    if (v.kind != Val::Kind::Symbol && v.kind != Val::Kind::String)
      return errorAt(v, "argument '" + param +
                            "' must be a dtype (f32, bf16, f16, i64, i32, i1)");
    s = v.s;
  }
  Builder b(&em.ctx);
  Type t = llvm::StringSwitch<Type>(s)
               .Case("f32", b.getF32Type())
               .Case("f16", b.getF16Type())
               .Case("bf16", b.getBF16Type())
               .Case("i64", b.getI64Type())
               .Case("i32", b.getI32Type())
               .Case("i1", b.getI1Type())
               .Default(Type());
  if (!t)
    return error("unknown dtype '" + s +
                 "'; expected f32, bf16, f16, i64, i32 or i1");
  return t;
}

FailureOr<SmallVector<int64_t>> Call::pair(StringRef param,
                                           std::optional<int64_t> dflt) const {
  if (!has(param)) {
    if (!dflt)
      return error("missing argument '" + param + "'");
    return SmallVector<int64_t>{*dflt, *dflt};
  }
  auto list = intList(param);
  if (failed(list))
    return failure();
  if (list->size() == 1)
    list->push_back((*list)[0]);
  if (list->size() != 2)
    return errorAt(arg(param), "argument '" + param +
                                   "' must be an integer or [height, width]");
  return list;
}

FailureOr<std::string> Call::paramPrefix() {
  if (prefix)
    return *prefix;
  std::string local;
  if (expr.path) {
    local = *expr.path;
  } else if (!scope.valueName.empty()) {
    if (scope.defaultPrefixUsed)
      return error("two ops in this statement would share the parameter "
                   "prefix '" +
                   scope.valueName + "'; name this one: " + name() +
                   "[NAME](...)");
    scope.defaultPrefixUsed = true;
    local = scope.valueName;
  } else {
    return error("needs a parameter name: " + name() + "[NAME](...)");
  }
  prefix = joinParamPath(scope.paramPrefix, local);
  return *prefix;
}

FailureOr<Value> Call::param(StringRef suffix, ArrayRef<int64_t> shape,
                             Type elementType, int64_t fanIn, StringRef init) {
  if (em.prefixConflict)
    return em.error(em.prefixConflict->loc, *em.prefixConflict->scope,
                    em.prefixConflict->message);
  auto p = paramPrefix();
  if (failed(p))
    return failure();
  std::string full = joinParamPath(*p, suffix);
  if (full.empty())
    return error("needs a parameter name: " + name() +
                 "[NAME](...) (`[]` adds no segment, and this call is not "
                 "inside a named subgraph call)");
  auto type = RankedTensorType::get(shape, elementType);
  auto it = em.params.find(full);
  if (it != em.params.end()) {
    if (it->second.getType() != type)
      return error("parameter '" + full + "' is used as " + formatType(type) +
                   " here but as " + formatType(it->second.getType()) +
                   " before");
    return it->second;
  }
  OpBuilder::InsertionGuard guard(em.builder);
  Block *entry = em.builder.getInsertionBlock();
  while (!isa<func::FuncOp>(entry->getParentOp()))
    entry = entry->getParentOp()->getBlock();
  em.builder.setInsertionPointToStart(entry);
  // Keep parameters in creation order at the top of the graph.
  for (Operation &op : *entry)
    if (isa<ParamOp>(op))
      em.builder.setInsertionPointAfter(&op);
  auto op = em.builder.create<ParamOp>(
      loc(), type, em.builder.getStringAttr(full),
      em.builder.getI64IntegerAttr(std::max<int64_t>(fanIn, 1)),
      em.builder.getStringAttr(init));
  em.params[full] = op.getResult();
  return op.getResult();
}
