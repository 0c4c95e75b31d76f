//===- HeedrtToLLVM.cpp - Plans to code that builds them ------------------===//
//
// A planned heedrt.plan @m becomes LLVM dialect code:
//   void m_build(heed_plan *plan, heed_weights *weights)
// makes one C API call per plan op, in order (runtime/include/heed/
// runtime.h and compiled.h). Buffer and node ids are the order of those
// calls, so no call needs the result of another; the plan keeps its first
// error and heed_plan_finalize reports it. Shapes, id lists, names and
// integer-list attributes are private constant globals. Then the C API of
// the compiled model (m_load, m_run, m_free) and, on request, main().
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "heed/DType.h"
#include "heed/ShapeUtils.h"
#include "heed/compiled.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <type_traits>

namespace heed {
#define GEN_PASS_DEF_HEEDRTTOLLVM
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

namespace {

//===----------------------------------------------------------------------===//
// The C API's signatures, from its own declarations
//===----------------------------------------------------------------------===//

/// The LLVM type of the C type \p T as it crosses the C ABI of the runtime
/// (heed/runtime.h, heed/compiled.h): pointers, integers and enums by their
/// size, double.
template <typename T> Type llvmTypeOf(MLIRContext *ctx) {
  if constexpr (std::is_void_v<T>) {
    return LLVM::LLVMVoidType::get(ctx);
  } else if constexpr (std::is_pointer_v<T>) {
    return LLVM::LLVMPointerType::get(ctx);
  } else if constexpr (std::is_floating_point_v<T>) {
    static_assert(sizeof(T) == 8, "the C API passes floats as double");
    return Float64Type::get(ctx);
  } else {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>,
                  "a C API type heedrt-to-llvm cannot pass");
    return IntegerType::get(ctx, 8 * sizeof(T));
  }
}

template <typename Fn> struct FunctionTypeOf;
template <typename R, typename... Args> struct FunctionTypeOf<R(Args...)> {
  static LLVM::LLVMFunctionType get(MLIRContext *ctx) {
    return LLVM::LLVMFunctionType::get(llvmTypeOf<R>(ctx),
                                       {llvmTypeOf<Args>(ctx)...});
  }
};

/// The LLVM function type of the C function \p fn of the runtime's headers,
/// derived from its declaration there (the only list of the C API).
#define HEED_C_API_TYPE(fn) FunctionTypeOf<decltype(::fn)>::get(ctx)
/// Declares the C function \p fn in the module being built.
#define HEED_C_API(fn) declare(#fn, HEED_C_API_TYPE(fn))

/// Emits the functions of one plan into the module.
class PlanEmitter {
public:
  PlanEmitter(ModuleOp module, PlanOp plan, bool externalWeights,
              StringRef weightsFile)
      : module(module), plan(plan), builder(module.getContext()),
        ctx(module.getContext()), externalWeights(externalWeights),
        weightsFile(weightsFile.str()), prefix(plan.getSymName().str()) {
    ptr = LLVM::LLVMPointerType::get(ctx);
    i32 = builder.getI32Type();
    i64 = builder.getI64Type();
    f64 = builder.getF64Type();
  }

  LogicalResult emitBuild();
  void emitModelApi();
  void emitMain();

private:
  ModuleOp module;
  PlanOp plan;
  OpBuilder builder;
  MLIRContext *ctx;
  bool externalWeights;
  std::string weightsFile, prefix;
  Type ptr, i32, i64, f64;
  /// Globals by content, so equal shapes and names are emitted once.
  llvm::StringMap<LLVM::GlobalOp> globals;
  unsigned globalCount = 0;

  /// Inserts at the end of the module.
  void atModuleEnd() { builder.setInsertionPointToEnd(module.getBody()); }

  LLVM::LLVMFuncOp declare(StringRef name, LLVM::LLVMFunctionType type) {
    if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
      return f;
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(module.getBody());
    return builder.create<LLVM::LLVMFuncOp>(module.getLoc(), name, type);
  }

  /// A private constant global holding \p bytes (64-byte aligned when
  /// \p align), shared between equal contents.
  LLVM::GlobalOp dataGlobal(StringRef kind, StringRef bytes,
                            uint64_t align = 8) {
    std::string key = (kind + ":" + bytes).str();
    auto it = globals.find(key);
    if (it != globals.end())
      return it->second;
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMArrayType::get(builder.getI8Type(), bytes.size());
    auto global = builder.create<LLVM::GlobalOp>(
        module.getLoc(), type, /*isConstant=*/true, LLVM::Linkage::Private,
        (prefix + "." + kind + "." + Twine(globalCount++)).str(),
        builder.getStringAttr(bytes), align);
    globals[key] = global;
    return global;
  }
  template <typename T> Value arrayOf(Location loc, ArrayRef<T> values) {
    if (values.empty())
      return builder.create<LLVM::ZeroOp>(loc, ptr);
    StringRef bytes(reinterpret_cast<const char *>(values.data()),
                    values.size() * sizeof(T));
    return addressOf(loc, dataGlobal(sizeof(T) == 8 ? "i64s" : "i32s", bytes));
  }
  Value string(Location loc, StringRef s) {
    std::string bytes = s.str();
    bytes.push_back('\0');
    return addressOf(loc, dataGlobal("str", bytes, 1));
  }
  Value addressOf(Location loc, LLVM::GlobalOp global) {
    return builder.create<LLVM::AddressOfOp>(loc, global);
  }
  Value int32(Location loc, int64_t v) {
    return builder.create<LLVM::ConstantOp>(loc, i32, v);
  }
  Value int64(Location loc, int64_t v) {
    return builder.create<LLVM::ConstantOp>(loc, i64, v);
  }
  Value null(Location loc) { return builder.create<LLVM::ZeroOp>(loc, ptr); }
  void call(Location loc, LLVM::LLVMFuncOp f, ArrayRef<Value> args) {
    builder.create<LLVM::CallOp>(loc, f, args);
  }

  FailureOr<std::string> constantBytes(heedrt::ConstantOp op);
  LLVM::GlobalOp weightGlobal(WeightOp op);
};

/// heed_dtype of an element type (runtime/include/heed/runtime.h).
int64_t dtypeCode(Type element) { return (int64_t)*toDType(element); }

/// The bytes of a literal as the runtime lays them out (i1: one byte each).
FailureOr<std::string> PlanEmitter::constantBytes(heedrt::ConstantOp op) {
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense)
    return op.emitError("heedrt-to-llvm: only dense literals can be "
                        "embedded, got ")
           << op.getValue();
  int64_t n = op.getType().getNumElements();
  std::string bytes;
  if (op.getType().getElementType().isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      bytes.push_back(b ? 1 : 0);
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat())
    for (int64_t i = 0; i < n; ++i)
      bytes.append(raw.data(), raw.size());
  else
    bytes.assign(raw.data(), raw.size());
  return bytes;
}

/// The global holding weight \p op's data (one per name): a declaration
/// marked `heedrt.weight` that the driver defines after translation.
LLVM::GlobalOp PlanEmitter::weightGlobal(WeightOp op) {
  std::string key = ("weight:" + op.getName()).str();
  auto it = globals.find(key);
  if (it != globals.end())
    return it->second;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(module.getBody());
  auto type =
      LLVM::LLVMArrayType::get(builder.getI8Type(), bufferBytes(op.getType()));
  auto global = builder.create<LLVM::GlobalOp>(
      op.getLoc(), type, /*isConstant=*/true, LLVM::Linkage::External,
      (prefix + ".weight." + Twine(globalCount++)).str(), Attribute(),
      /*alignment=*/64);
  global->setAttr(kWeightGlobalAttrName, op.getNameAttr());
  global->setAttr(kWeightTypeAttrName,
                  TypeAttr::get(op.getType().getElementType()));
  globals[key] = global;
  return global;
}

LogicalResult PlanEmitter::emitBuild() {
  if (!plan.getArenaBytes())
    return plan.emitError("heedrt-to-llvm needs a planned plan; run "
                          "heedrt-plan-memory first");
  auto addBuffer = HEED_C_API(heed_plan_add_buffer);
  auto addConstant = HEED_C_API(heed_plan_add_constant);
  auto addWeight = HEED_C_API(heed_plan_add_weight);
  auto addView = HEED_C_API(heed_plan_add_view);
  auto addInput = HEED_C_API(heed_plan_add_input);
  auto addOutput = HEED_C_API(heed_plan_add_output);
  auto addState = HEED_C_API(heed_plan_add_state);
  auto setStateNext = HEED_C_API(heed_plan_set_state_next);
  auto addNode = HEED_C_API(heed_plan_add_node);
  auto setInt = HEED_C_API(heed_plan_set_int);
  auto setInts = HEED_C_API(heed_plan_set_ints);
  auto setFloat = HEED_C_API(heed_plan_set_float);
  auto addDim = HEED_C_API(heed_plan_add_dim);
  auto bindDim = HEED_C_API(heed_plan_bind_dim);
  auto bindInt = HEED_C_API(heed_plan_bind_int);
  auto nameAttention = HEED_C_API(heed_plan_name_attention);

  atModuleEnd();
  auto build = builder.create<LLVM::LLVMFuncOp>(
      plan.getLoc(), prefix + "_build",
      FunctionTypeOf<std::remove_pointer_t<heed_build_fn>>::get(ctx));
  Block *entry = build.addEntryBlock(builder);
  builder.setInsertionPointToStart(entry);
  Value planArg = entry->getArgument(0), weightsArg = entry->getArgument(1);

  if (std::optional<DictionaryAttr> dims = plan.getBoundedDims())
    for (NamedAttribute d : *dims) {
      ArrayRef<int64_t> range = cast<DenseI64ArrayAttr>(d.getValue());
      call(plan.getLoc(), addDim,
           {planArg, string(plan.getLoc(), d.getName().getValue()),
            int64(plan.getLoc(), range[0]), int64(plan.getLoc(), range[1]),
            null(plan.getLoc())});
    }
  // Binds the extents of buffer \p id that follow a bounded dimension.
  auto bindExtents = [&](Location loc, int32_t id,
                         std::optional<ArrayRef<int64_t>> triples) {
    if (triples)
      for (size_t i = 0; i < triples->size(); i += 3)
        call(loc, bindDim,
             {planArg, int32(loc, id), int32(loc, (*triples)[i]),
              int32(loc, (*triples)[i + 1]), int64(loc, (*triples)[i + 2])});
  };

  DenseMap<Value, int32_t> ids;
  int32_t nextBuffer = 0, nextNode = 0;
  auto shapeOf = [&](Location loc, MemRefType type) {
    return arrayOf<int64_t>(loc, type.getShape());
  };
  auto idsOf = [&](Location loc, ValueRange values) {
    SmallVector<int32_t> list;
    for (Value v : values)
      list.push_back(ids.lookup(v));
    return arrayOf<int32_t>(loc, list);
  };
  for (Operation &op : plan.getBody().front()) {
    Location loc = op.getLoc();
    auto bufferOf = [&](Value v) {
      MemRefType type = cast<MemRefType>(v.getType());
      // One statement each: the constants appear in argument order.
      Value dtype = int32(loc, dtypeCode(type.getElementType()));
      Value rank = int32(loc, type.getRank());
      Value shape = shapeOf(loc, type);
      return std::make_tuple(dtype, rank, shape);
    };
    if (auto b = dyn_cast<BufferOp>(op)) {
      auto [dtype, rank, shape] = bufferOf(b);
      call(
          loc, addBuffer,
          {planArg, dtype, rank, shape, int64(loc, *b.getOffset()), null(loc)});
      bindExtents(loc, nextBuffer, b.getBounded());
      ids[b] = nextBuffer++;
    } else if (auto w = dyn_cast<WeightOp>(op)) {
      auto [dtype, rank, shape] = bufferOf(w);
      if (externalWeights)
        call(loc, addWeight,
             {planArg, weightsArg, string(loc, w.getName()), dtype, rank, shape,
              null(loc)});
      else
        call(loc, addConstant,
             {planArg, dtype, rank, shape, addressOf(loc, weightGlobal(w)),
              null(loc)});
      ids[w] = nextBuffer++;
    } else if (auto c = dyn_cast<heedrt::ConstantOp>(op)) {
      FailureOr<std::string> bytes = constantBytes(c);
      if (failed(bytes))
        return failure();
      auto [dtype, rank, shape] = bufferOf(c);
      call(loc, addConstant,
           {planArg, dtype, rank, shape,
            addressOf(loc, dataGlobal("const", *bytes, 64)), null(loc)});
      bindExtents(loc, nextBuffer, c.getBounded());
      ids[c] = nextBuffer++;
    } else if (auto v = dyn_cast<ViewOp>(op)) {
      MemRefType type = v.getType();
      call(loc, addView,
           {planArg, int32(loc, ids.lookup(v.getSource())),
            int32(loc, type.getRank()), shapeOf(loc, type), null(loc)});
      bindExtents(loc, nextBuffer, v.getBounded());
      ids[v] = nextBuffer++;
    } else if (auto in = dyn_cast<InputOp>(op)) {
      call(loc, addInput,
           {planArg, string(loc, in.getName()),
            int32(loc, ids.lookup(in.getBuffer()))});
    } else if (auto out = dyn_cast<OutputOp>(op)) {
      call(loc, addOutput,
           {planArg, string(loc, out.getName()),
            int32(loc, ids.lookup(out.getBuffer()))});
    } else if (auto read = dyn_cast<StateReadOp>(op)) {
      call(loc, addState,
           {planArg, string(loc, read.getName()),
            int32(loc, ids.lookup(read.getBuffer()))});
    } else if (auto write = dyn_cast<StateWriteOp>(op)) {
      call(loc, setStateNext,
           {planArg, string(loc, write.getName()),
            int32(loc, ids.lookup(write.getBuffer()))});
    } else if (auto k = dyn_cast<KernelOp>(op)) {
      call(loc, addNode,
           {planArg, string(loc, k.getKernel()), idsOf(loc, k.getIns()),
            int32(loc, k.getIns().size()), idsOf(loc, k.getOuts()),
            int32(loc, k.getOuts().size()), null(loc)});
      int32_t node = nextNode++;
      if (std::optional<StringRef> map = k.getAttentionMap())
        call(loc, nameAttention,
             {planArg, int32(loc, node), string(loc, *map),
              int32(loc, k.getAttentionMapOneQuery())});
      if (std::optional<DictionaryAttr> params = k.getParams())
        for (NamedAttribute p : *params) {
          Value name = string(loc, p.getName().getValue());
          if (auto i = dyn_cast<IntegerAttr>(p.getValue()))
            call(loc, setInt,
                 {planArg, int32(loc, node), name, int64(loc, i.getInt())});
          else if (auto f = dyn_cast<FloatAttr>(p.getValue()))
            call(loc, setFloat,
                 {planArg, int32(loc, node), name,
                  builder.create<LLVM::ConstantOp>(loc, f64, f)});
          else {
            ArrayRef<int64_t> list =
                cast<DenseI64ArrayAttr>(p.getValue()).asArrayRef();
            call(loc, setInts,
                 {planArg, int32(loc, node), name, arrayOf<int64_t>(loc, list),
                  int32(loc, list.size())});
          }
        }
      if (std::optional<DictionaryAttr> bounded = k.getBoundedParams())
        for (NamedAttribute b : *bounded) {
          ArrayRef<int64_t> triples = cast<DenseI64ArrayAttr>(b.getValue());
          for (size_t i = 0; i < triples.size(); i += 3)
            call(loc, bindInt,
                 {planArg, int32(loc, node),
                  string(loc, b.getName().getValue()), int32(loc, triples[i]),
                  int32(loc, triples[i + 1]), int64(loc, triples[i + 2])});
        }
    } else {
      return op.emitError("heedrt-to-llvm cannot lower ") << op.getName();
    }
  }
  builder.create<LLVM::ReturnOp>(plan.getLoc(), ValueRange());
  return success();
}

/// m_load, m_run and m_free: the C API declared in the generated header.
void PlanEmitter::emitModelApi() {
  Location loc = plan.getLoc();
  auto load = HEED_C_API(heed_compiled_load);
  auto runData = HEED_C_API(heed_model_run_data);
  auto freeModel = HEED_C_API(heed_model_free);
  auto build = module.lookupSymbol<LLVM::LLVMFuncOp>(prefix + "_build");
  auto define = [&](StringRef suffix, LLVM::LLVMFunctionType type) {
    atModuleEnd();
    auto f = builder.create<LLVM::LLVMFuncOp>(loc, prefix + suffix.str(), type);
    builder.setInsertionPointToStart(f.addEntryBlock(builder));
    return f;
  };
  auto weightsFileArg = [&]() {
    return externalWeights && !weightsFile.empty() ? string(loc, weightsFile)
                                                   : null(loc);
  };

  // heed_model *m_load(void): NULL on failure (heed_last_error says why).
  define("_load", LLVM::LLVMFunctionType::get(ptr, {}));
  Value slot = builder.create<LLVM::AllocaOp>(loc, ptr, ptr, int32(loc, 1));
  builder.create<LLVM::StoreOp>(loc, null(loc), slot);
  call(loc, load,
       {builder.create<LLVM::AddressOfOp>(loc, build), weightsFileArg(),
        null(loc), slot});
  builder.create<LLVM::ReturnOp>(
      loc, builder.create<LLVM::LoadOp>(loc, ptr, slot).getResult());

  // heed_status m_run(heed_model *, const void *const *, void *const *):
  // heed_model_run_data's signature.
  auto run = define("_run", runData.getFunctionType());
  Value status =
      builder.create<LLVM::CallOp>(loc, runData, ValueRange(run.getArguments()))
          .getResult();
  builder.create<LLVM::ReturnOp>(loc, status);

  // void m_free(heed_model *): heed_model_free's signature.
  auto free = define("_free", freeModel.getFunctionType());
  call(loc, freeModel, {free.getArgument(0)});
  builder.create<LLVM::ReturnOp>(loc, ValueRange());
}

/// int main(int argc, char **argv): the executable's command line.
void PlanEmitter::emitMain() {
  Location loc = plan.getLoc();
  auto cliMain = HEED_C_API(heed_cli_main);
  auto build = module.lookupSymbol<LLVM::LLVMFuncOp>(prefix + "_build");
  SmallVector<int64_t> bounds;
  for (auto input : plan.getBody().front().getOps<InputOp>())
    bounds.push_back(input.getRandomBound().value_or(0));
  atModuleEnd();
  auto main = builder.create<LLVM::LLVMFuncOp>(
      loc, "main", LLVM::LLVMFunctionType::get(i32, {i32, ptr}));
  builder.setInsertionPointToStart(main.addEntryBlock(builder));
  Value file = externalWeights && !weightsFile.empty()
                   ? string(loc, weightsFile)
                   : null(loc);
  Value status =
      builder
          .create<LLVM::CallOp>(
              loc, cliMain,
              ValueRange{main.getArgument(0), main.getArgument(1),
                         string(loc, prefix),
                         builder.create<LLVM::AddressOfOp>(loc, build), file,
                         null(loc), arrayOf<int64_t>(loc, bounds)})
          .getResult();
  builder.create<LLVM::ReturnOp>(loc, status);
}

struct HeedrtToLLVMPass : heed::impl::HeedrtToLLVMBase<HeedrtToLLVMPass> {
  using HeedrtToLLVMBase::HeedrtToLLVMBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<PlanOp> plans(module.getOps<PlanOp>());
    if (emitMain && plans.size() != 1) {
      module.emitError("heedrt-to-llvm: main() needs exactly one plan, "
                       "found ")
          << plans.size();
      return signalPassFailure();
    }
    for (PlanOp plan : plans) {
      PlanEmitter emitter(module, plan, externalWeights, weightsFile);
      if (failed(emitter.emitBuild()))
        return signalPassFailure();
      emitter.emitModelApi();
      if (emitMain)
        emitter.emitMain();
      plan.erase();
    }
  }
};

} // namespace
