//===- HeedrtOps.cpp - Verifiers of the heedrt ops ------------------------===//

#include "heedrt/HeedrtOps.h"

#include "heed/KernelSpec.h"
#include "heedrt/KernelNames.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace heed::heedrt;

#define GET_OP_CLASSES
#include "heedrt/HeedrtOps.cpp.inc"

int64_t heed::heedrt::bufferBytes(MemRefType type) {
  Type element = type.getElementType();
  int64_t width =
      element.isInteger(1) ? 1 : element.getIntOrFloatBitWidth() / 8;
  return type.getNumElements() * width;
}

std::optional<int64_t> heed::heedrt::checkedBufferBytes(MemRefType type) {
  constexpr int64_t kLimit = (int64_t)1 << 62;
  Type element = type.getElementType();
  int64_t bytes =
      element.isInteger(1) ? 1 : element.getIntOrFloatBitWidth() / 8;
  for (int64_t d : type.getShape()) {
    int64_t next;
    if (d < 0 || llvm::MulOverflow(bytes, d, next) || next > kLimit)
      return std::nullopt;
    bytes = next;
  }
  return bytes;
}

BufferOp heed::heedrt::getArenaBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewOp>())
    value = view.getSource();
  return value.getDefiningOp<BufferOp>();
}

//===----------------------------------------------------------------------===//
// PlanOp
//===----------------------------------------------------------------------===//

void PlanOp::build(OpBuilder &builder, OperationState &state, StringRef name) {
  state.addAttribute(SymbolTable::getSymbolAttrName(),
                     builder.getStringAttr(name));
  state.addRegion()->emplaceBlock();
}

LogicalResult PlanOp::verify() {
  if (std::optional<DictionaryAttr> dims = getBoundedDims())
    for (NamedAttribute d : *dims) {
      auto range = dyn_cast<DenseI64ArrayAttr>(d.getValue());
      if (!range || range.size() != 2 || range[0] < 1 || range[1] < range[0])
        return emitOpError("bounded dimension '")
               << d.getName().getValue()
               << "' must be array<i64: lo, hi> with 1 <= lo <= hi, got "
               << d.getValue();
    }
  llvm::StringSet<> inputs, outputs, attentionMaps;
  llvm::StringMap<Type> stateReads;
  llvm::StringSet<> stateWrites;
  for (Operation &op : getBody().front()) {
    if (auto read = dyn_cast<StateReadOp>(op))
      if (!stateReads.try_emplace(read.getName(), read.getBuffer().getType())
               .second)
        return read.emitOpError("state '")
               << read.getName() << "' is declared twice";
    if (auto write = dyn_cast<StateWriteOp>(op)) {
      auto read = stateReads.find(write.getName());
      if (read == stateReads.end())
        return write.emitOpError("state '")
               << write.getName() << "' has no earlier heedrt.state_read";
      if (read->second != write.getBuffer().getType())
        return write.emitOpError("state '")
               << write.getName() << "' is read as " << read->second
               << " but written as " << write.getBuffer().getType();
      if (!stateWrites.insert(write.getName()).second)
        return write.emitOpError("state '")
               << write.getName() << "' is written twice";
    }
    if (auto kernel = dyn_cast<KernelOp>(op))
      if (std::optional<StringRef> map = kernel.getAttentionMap())
        if (!attentionMaps.insert(*map).second)
          return kernel.emitOpError("attention map '")
                 << *map << "' is named twice";
    if (auto input = dyn_cast<InputOp>(op))
      if (!inputs.insert(input.getName()).second)
        return input.emitOpError("input '")
               << input.getName() << "' is declared twice";
    if (auto output = dyn_cast<OutputOp>(op))
      if (!outputs.insert(output.getName()).second)
        return output.emitOpError("output '")
               << output.getName() << "' is declared twice";
    if (auto buffer = dyn_cast<BufferOp>(op))
      if (getArenaBytes() && !buffer.getOffset())
        return buffer.emitOpError(
            "has no offset but the plan's memory is planned");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// BufferOp, ConstantOp, ViewOp
//===----------------------------------------------------------------------===//

/// Checks \p triples of (index, dimension, coefficient) on \p op: a
/// multiple of three, indices below \p size, dimensions of the parent plan,
/// positive coefficients; \p what names the indexed thing ("axis").
static LogicalResult verifyBoundedTriples(Operation *op,
                                          ArrayRef<int64_t> triples,
                                          int64_t size, StringRef what) {
  auto plan = op->getParentOfType<PlanOp>();
  int64_t dims =
      plan && plan.getBoundedDims() ? plan.getBoundedDims()->size() : 0;
  if (triples.size() % 3)
    return op->emitOpError("bounded needs (")
           << what << ", dimension, coefficient) triples, got "
           << triples.size() << " values";
  for (size_t i = 0; i < triples.size(); i += 3) {
    if (triples[i] < 0 || triples[i] >= size)
      return op->emitOpError("bounded ")
             << what << " " << triples[i] << " is out of range";
    if (triples[i + 1] < 0 || triples[i + 1] >= dims)
      return op->emitOpError("bounded dimension ")
             << triples[i + 1] << " is not one of the plan's " << dims
             << " bounded_dims";
    if (triples[i + 2] < 1)
      return op->emitOpError("bounded coefficient ")
             << triples[i + 2] << " must be positive";
  }
  return success();
}

LogicalResult BufferOp::verify() {
  if (std::optional<ArrayRef<int64_t>> bounded = getBounded())
    if (failed(
            verifyBoundedTriples(*this, *bounded, getType().getRank(), "axis")))
      return failure();
  if (!getOffset())
    return success();
  int64_t offset = *getOffset();
  if (offset < 0 || offset % 64)
    return emitOpError("offset ")
           << offset << " must be a non-negative multiple of 64";
  auto plan = (*this)->getParentOfType<PlanOp>();
  int64_t end = offset + bufferBytes(getType());
  if (plan && plan.getArenaBytes() && end > (int64_t)*plan.getArenaBytes())
    return emitOpError("ends at byte ")
           << end << ", past the arena's " << *plan.getArenaBytes() << " bytes";
  return success();
}

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  MemRefType type = getType();
  if (std::optional<ArrayRef<int64_t>> bounded = getBounded())
    if (failed(verifyBoundedTriples(*this, *bounded, type.getRank(), "axis")))
      return failure();
  if (valueType.getShape() != type.getShape() ||
      valueType.getElementType() != type.getElementType())
    return emitOpError("value of type ")
           << valueType << " does not fit the buffer " << type;
  return success();
}

LogicalResult ViewOp::verify() {
  MemRefType from = getSource().getType(), to = getType();
  if (std::optional<ArrayRef<int64_t>> bounded = getBounded())
    if (failed(verifyBoundedTriples(*this, *bounded, to.getRank(), "axis")))
      return failure();
  if (from.getElementType() != to.getElementType() ||
      from.getNumElements() != to.getNumElements())
    return emitOpError("cannot view ")
           << from << " as " << to
           << ": element type and count must be the same";
  return success();
}

//===----------------------------------------------------------------------===//
// Ports and kernels
//===----------------------------------------------------------------------===//

static LogicalResult verifyPort(Operation *op, Value buffer) {
  if (!getArenaBuffer(buffer))
    return op->emitOpError("needs an arena buffer (heedrt.buffer or a view "
                           "of one), not read-only data");
  return success();
}

LogicalResult InputOp::verify() { return verifyPort(*this, getBuffer()); }
LogicalResult OutputOp::verify() { return verifyPort(*this, getBuffer()); }
LogicalResult StateReadOp::verify() { return verifyPort(*this, getBuffer()); }
LogicalResult StateWriteOp::verify() { return verifyPort(*this, getBuffer()); }

/// "3", "3 to 5", "at least 3" operands.
static std::string arityText(std::pair<int64_t, int64_t> arity) {
  auto [lo, hi] = arity;
  if (hi < 0)
    return "at least " + std::to_string(lo);
  if (lo == hi)
    return std::to_string(lo);
  return std::to_string(lo) + " to " + std::to_string(hi);
}

static bool fits(size_t n, std::pair<int64_t, int64_t> arity) {
  return (int64_t)n >= arity.first &&
         (arity.second < 0 || (int64_t)n <= arity.second);
}

/// Checks one param of \p spec's kernel against its declaration.
static LogicalResult verifyParam(KernelOp op, const heed::KernelSpec &spec,
                                 NamedAttribute param) {
  using heed::KernelAttrKind;
  StringRef name = param.getName().getValue();
  Attribute value = param.getValue();
  const heed::KernelAttrSpec *attr = spec.attr(name);
  auto fail = [&]() {
    return op.emitOpError("attribute '")
           << name << "' of kernel '" << spec.name << "' ";
  };
  if (!attr) {
    std::string names = spec.attrNames();
    return op.emitOpError("kernel '")
           << spec.name << "' has no attribute '" << name << "' (it takes "
           << (names.empty() ? std::string("none") : names) << ")";
  }
  switch (attr->kind) {
  case KernelAttrKind::Float:
    if (!isa<FloatAttr>(value))
      return fail() << "must be an f64, got " << value;
    return success();
  case KernelAttrKind::Ints: {
    auto list = dyn_cast<DenseI64ArrayAttr>(value);
    if (!list)
      return fail() << "must be an array<i64>, got " << value;
    if (attr->length && list.size() != attr->length)
      return fail() << "must have " << attr->length << " entries, got "
                    << list.size();
    return success();
  }
  case KernelAttrKind::Int:
  case KernelAttrKind::Flag:
  case KernelAttrKind::Enum:
    break;
  }
  auto integer = dyn_cast<IntegerAttr>(value);
  if (!integer)
    return fail() << "must be an i64, got " << value;
  int64_t v = integer.getInt();
  if (attr->kind == KernelAttrKind::Flag && v != 0 && v != 1)
    return fail() << "must be 0 or 1, got " << v;
  if (attr->kind == KernelAttrKind::Enum && !attr->enumSpec->lookup(v)) {
    InFlightDiagnostic diag = fail() << "must be one of ";
    llvm::interleaveComma(attr->enumSpec->cases, diag,
                          [&](const heed::KernelEnumCaseSpec &c) {
                            diag << c.value << " (" << c.name << ")";
                          });
    return diag << ", got " << v;
  }
  return success();
}

bool heed::heedrt::computesAttentionMap(StringRef kernel) {
  return llvm::is_contained({StringRef(HEED_KERNEL("attention")),
                             StringRef(HEED_KERNEL("additive_attention")),
                             StringRef(HEED_KERNEL("softmax"))},
                            kernel);
}

LogicalResult KernelOp::verify() {
  const heed::KernelSpec *spec = heed::lookupKernelSpec(getKernel());
  if (!spec)
    return emitOpError("names no runtime kernel: '") << getKernel() << "'";
  if (getOuts().empty())
    return emitOpError("needs at least one output");
  if (std::optional<StringRef> map = getAttentionMap()) {
    if (map->empty())
      return emitOpError("has an empty attention_map name");
    if (!computesAttentionMap(getKernel()))
      return emitOpError("kernel '")
             << getKernel()
             << "' computes no attention map (only attention, "
                "additive_attention and softmax do)";
  }
  if (getAttentionMapOneQuery() &&
      (!getAttentionMap() || getKernel() != HEED_KERNEL("softmax")))
    return emitOpError("attention_map_one_query needs a softmax kernel with "
                       "an attention_map");
  for (auto [i, out] : llvm::enumerate(getOuts()))
    if (!getArenaBuffer(out))
      return emitOpError("output #")
             << i << " must be an arena buffer, not read-only data";
  DictionaryAttr params = getParams().value_or(DictionaryAttr());
  if (params)
    for (NamedAttribute param : params) {
      Attribute value = param.getValue();
      auto integer = dyn_cast<IntegerAttr>(value);
      auto real = dyn_cast<FloatAttr>(value);
      bool ok = (integer && integer.getType().isInteger(64)) ||
                (real && real.getType().isF64()) ||
                isa<DenseI64ArrayAttr>(value);
      if (!ok)
        return emitOpError("param '")
               << param.getName().getValue()
               << "' must be an i64, an f64 or an array<i64>, got " << value;
    }
  auto checkArity = [&](size_t n, std::pair<int64_t, int64_t> arity,
                        StringRef noun) -> LogicalResult {
    if (fits(n, arity))
      return success();
    bool one = arity.first == 1 && arity.second == 1;
    return emitOpError("kernel '")
           << getKernel() << "' takes " << arityText(arity) << " " << noun
           << (one ? "" : "s") << ", got " << n;
  };
  if (failed(checkArity(getIns().size(), spec->inputArity(), "input")) ||
      failed(checkArity(getOuts().size(), spec->outputArity(), "output")))
    return failure();
  if (params)
    for (NamedAttribute param : params)
      if (failed(verifyParam(*this, *spec, param)))
        return failure();
  if (std::optional<DictionaryAttr> bounded = getBoundedParams())
    for (NamedAttribute b : *bounded) {
      Attribute value = params ? params.get(b.getName()) : Attribute();
      int64_t size = isa_and_nonnull<IntegerAttr>(value) ? 1
                     : isa_and_nonnull<DenseI64ArrayAttr>(value)
                         ? cast<DenseI64ArrayAttr>(value).size()
                         : -1;
      auto triples = dyn_cast<DenseI64ArrayAttr>(b.getValue());
      if (size < 0 || !triples)
        return emitOpError("bounded param '")
               << b.getName().getValue()
               << "' must be an integer param, bound by an array<i64>";
      if (failed(
              verifyBoundedTriples(*this, triples.asArrayRef(), size, "index")))
        return failure();
    }
  for (const heed::KernelAttrSpec &a : spec->attrs)
    if (a.presence == heed::KernelAttrPresence::Required &&
        !(params && params.get(StringRef(a.name.data(), a.name.size()))))
      return emitOpError("kernel '")
             << getKernel() << "' needs attribute '" << a.name << "'";
  return success();
}
