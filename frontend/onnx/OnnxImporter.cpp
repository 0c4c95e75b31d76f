//===- OnnxImporter.cpp - From an ONNX model to heed/attn MLIR ------------===//

#include "OnnxImporter.h"
#include "GraphImporter.h"
#include "OnnxNode.h"
#include "OnnxTensors.h"

#include "HostConversion.h"
#include "Interpreter.h"

#include "attn/AttnDialect.h"
#include "heed/HeedDialect.h"
#include "heed/ShapeUtils.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

/// Ops whose results have more elements than this are not folded at import
/// (shape arithmetic is tiny; a large constant result would bloat the IR).
static constexpr int64_t kFoldLimit = 1 << 20;

/// Float Constant nodes up to this many elements stay constants (scales,
/// epsilons, small masks the attention passes must see); larger ones are
/// parameters. Float initializers are parameters unless they are scalars,
/// so that --weights can override any of them by name.
static constexpr int64_t kFloatConstantLimit = 64;

std::string heed::toIdentifier(StringRef name) {
  std::string out;
  for (char c : name)
    out += (isalnum((unsigned char)c) || c == '_') ? c : '_';
  if (out.empty() || isdigit((unsigned char)out[0]))
    out = "_" + out;
  return out;
}

GraphImporter::GraphImporter(MLIRContext &ctx, StringRef path,
                             const FrontendOptions &options,
                             WeightStore &weights, int64_t opset)
    : ctx(ctx), b(&ctx), file(path.str()), options(options), weights(weights),
      opset(opset) {
  dir = llvm::sys::path::parent_path(path).str();
  if (dir.empty())
    dir = ".";
}

Value GraphImporter::lookup(StringRef name) const {
  auto it = values.find(name);
  return it == values.end() ? Value() : it->second;
}

Location GraphImporter::nodeLoc(const onnx::NodeProto &node, unsigned index) {
  std::string what =
      node.name().empty()
          ? "node #" + std::to_string(index) + " (" + node.op_type() + ")"
          : "node '" + node.name() + "' (" + node.op_type() + ")";
  return NameLoc::get(b.getStringAttr(what),
                      FileLineColLoc::get(&ctx, file, 0, 0));
}

Value GraphImporter::tensorValue(const io::HostTensor &t, StringRef name,
                                 Location loc, bool initializer) {
  bool isFloat = isFloatDType(t.dtype);
  // A Constant node of one repeated value (a folded torch.full, a mask
  // fill) is no weight: it stays a (splat) constant.
  size_t size = dtypeSize(t.dtype);
  bool splat = !initializer && t.numel() > 0;
  for (size_t i = size; splat && i < t.data.size(); i += size)
    splat = std::memcmp(t.data.data(), t.data.data() + i, size) == 0;
  if (!isFloat || splat ||
      t.numel() <= (initializer ? 1 : kFloatConstantLimit)) {
    auto attr = toAttr(t, &ctx);
    return b.create<ConstantOp>(loc, attr.getType(), attr).getResult();
  }
  std::string paramName = name.str();
  if (paramNames.count(paramName))
    paramName += "." + std::to_string(paramNames[name]++);
  else
    paramNames[paramName] = 1;
  weights[paramName] = t;
  auto type = RankedTensorType::get(t.shape, toElementType(t.dtype, &ctx));
  int64_t fanIn = t.shape.empty() ? 1 : std::max<int64_t>(1, t.shape.back());
  return b
      .create<ParamOp>(loc, type, b.getStringAttr(paramName),
                       b.getI64IntegerAttr(fanIn), b.getStringAttr("uniform"))
      .getResult();
}

FailureOr<RankedTensorType>
GraphImporter::inputType(const onnx::ValueInfoProto &input) {
  Location loc = FileLineColLoc::get(&ctx, file, 0, 0);
  if (!input.type().has_tensor_type())
    return emitError(loc) << "input '" << input.name()
                          << "' is not a tensor (sequences, maps and "
                             "optionals are not supported)";
  const auto &tensor = input.type().tensor_type();
  std::optional<DType> dtype = heedDType(tensor.elem_type());
  if (!dtype)
    return emitError(loc) << "input '" << input.name() << "' has element type "
                          << onnxTypeName(tensor.elem_type())
                          << ", which Heed does not compute in";
  SmallVector<int64_t> shape;
  auto given = options.inputShapes.find(input.name());
  if (given != options.inputShapes.end()) {
    if (tensor.has_shape() &&
        tensor.shape().dim_size() != (int)given->second.size())
      return emitError(loc)
             << "--input-shape " << input.name() << " gives "
             << given->second.size() << " dimensions; the model declares "
             << tensor.shape().dim_size();
    shape.assign(given->second.begin(), given->second.end());
  } else {
    if (!tensor.has_shape())
      return emitError(loc) << "input '" << input.name()
                            << "' has no declared shape; give it with "
                               "--input-shape "
                            << input.name() << "=AxBxC";
    for (int i = 0; i < tensor.shape().dim_size(); ++i) {
      const auto &dim = tensor.shape().dim(i);
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        shape.push_back(dim.dim_value());
        continue;
      }
      if (dim.has_dim_value() && dim.dim_value() == 0) {
        shape.push_back(0);
        continue;
      }
      if (dim.has_dim_param() && !dim.dim_param().empty()) {
        auto it = options.dims.find(dim.dim_param());
        if (it == options.dims.end())
          return emitError(loc)
                 << "dimension " << i << " of input '" << input.name()
                 << "' is the symbol '" << dim.dim_param()
                 << "'; bind it with --dim " << dim.dim_param()
                 << "=N (or give the whole shape with --input-shape "
                 << input.name() << "=...)";
        shape.push_back(it->second);
        continue;
      }
      return emitError(loc)
             << "dimension " << i << " of input '" << input.name()
             << "' is unknown; give the shape with "
                "--input-shape "
             << input.name() << "=AxBxC";
    }
  }
  return RankedTensorType::get(shape, toElementType(*dtype, &ctx));
}

LogicalResult GraphImporter::importInitializers(const onnx::GraphProto &graph) {
  for (const auto &init : graph.initializer()) {
    io::HostTensor t;
    std::string error = readTensor(init, dir, t);
    Location loc =
        NameLoc::get(b.getStringAttr("initializer '" + init.name() + "'"),
                     FileLineColLoc::get(&ctx, file, 0, 0));
    if (!error.empty())
      return emitError(loc) << error;
    bind(init.name(), tensorValue(t, init.name(), loc, /*initializer=*/true));
  }
  return success();
}

LogicalResult GraphImporter::foldNewOps(Block *block, Operation *before) {
  Operation *op = before ? before->getNextNode() : &block->front();
  while (op) {
    Operation *next = op->getNextNode();
    bool foldable = !isa<ConstantOp, ParamOp>(op) && op->getNumResults() &&
                    op->getDialect() &&
                    (isa<HeedDialect, attn::AttnDialect>(op->getDialect()));
    for (Value v : op->getOperands())
      foldable &= v.getDefiningOp<ConstantOp>() != nullptr;
    for (Type t : op->getResultTypes())
      foldable &= cast<RankedTensorType>(t).getNumElements() <= kFoldLimit;
    std::vector<ref::Tensor> operands;
    for (Value v : op->getOperands()) {
      if (!foldable)
        break;
      auto r = ref::evaluateOp(v.getDefiningOp(), {});
      if (failed(r))
        return failure();
      operands.push_back(std::move((*r)[0]));
    }
    if (foldable) {
      auto results = ref::evaluateOp(op, operands);
      if (failed(results))
        return failure();
      b.setInsertionPoint(op);
      for (auto [result, value] : llvm::zip(op->getResults(), *results)) {
        auto attr = toAttr(ref::toHost(value), &ctx);
        if (attr.getType() != result.getType())
          attr = attr.reshape(cast<ShapedType>(result.getType()));
        result.replaceAllUsesWith(
            b.create<ConstantOp>(op->getLoc(), attr.getType(), attr));
      }
      op->erase();
    }
    op = next;
  }
  b.setInsertionPointToEnd(block);
  return success();
}

LogicalResult GraphImporter::importIf(const onnx::NodeProto &node,
                                      Location loc) {
  if (node.input_size() != 1 || node.input(0).empty())
    return emitError(loc) << "If needs one input, its condition";
  Value cond = lookup(node.input(0));
  auto c = cond ? cond.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c)
    return emitError(loc)
           << "the condition of If (input '" << node.input(0)
           << "') is not known at compile time; Heed "
              "imports an If whose condition folds to a constant (bind the "
              "inputs it depends on with --const NAME=VALUE)";
  bool taken = intValues(cast<DenseElementsAttr>(c.getValue()))[0] != 0;
  const onnx::GraphProto *branch = nullptr;
  for (const auto &a : node.attribute())
    if (a.name() == (taken ? "then_branch" : "else_branch"))
      branch = &a.g();
  if (!branch)
    return emitError(loc) << "If has no " << (taken ? "then" : "else")
                          << "_branch";
  if (branch->output_size() != node.output_size())
    return emitError(loc) << "the taken branch has " << branch->output_size()
                          << " outputs; If has " << node.output_size();
  if (failed(importInitializers(*branch)) || failed(importNodes(*branch)))
    return failure();
  for (int i = 0; i < node.output_size(); ++i) {
    Value v = lookup(branch->output(i).name());
    if (!v)
      return emitError(loc) << "the taken branch does not compute its output '"
                            << branch->output(i).name() << "'";
    bind(node.output(i), v);
  }
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        unsigned index) {
  Location loc = nodeLoc(node, index);
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return emitError(loc) << "op " << node.op_type() << " of domain '"
                          << node.domain()
                          << "' is not supported (Heed imports the default "
                             "ONNX domain)";
  for (int i = 0; i < node.input_size(); ++i)
    if (!node.input(i).empty() && !lookup(node.input(i)))
      return emitError(loc) << "input '" << node.input(i)
                            << "' is not defined before this node";
  if (node.op_type() == "If")
    return importIf(node, loc);
  if (node.op_type() == "Loop" || node.op_type() == "Scan")
    return emitError(loc) << node.op_type()
                          << " is not supported (Heed compiles graphs "
                             "without loops; If imports when its condition "
                             "folds)";
  const auto &table = opConverters();
  auto it = table.find(node.op_type());
  if (it == table.end())
    return emitError(loc) << "op " << node.op_type()
                          << " is not supported by Heed's ONNX importer (see "
                             "docs/onnx.md for the supported ops)";
  Block *block = b.getInsertionBlock();
  Operation *before = block->empty() ? nullptr : &block->back();
  OnnxNode onnxNode(*this, node, loc, opset);
  if (failed(it->second(onnxNode)))
    return failure();
  // Fold what the node built, then bind its outputs (through the folding).
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    Value v = lookup(node.output(i));
    if (!v)
      return emitError(loc) << "internal error: output " << i
                            << " of the node was not produced";
  }
  // Outputs are looked up by name after folding: keep them alive through
  // a temporary use so that folding replaces them.
  SmallVector<Value> outs;
  for (int i = 0; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      outs.push_back(lookup(node.output(i)));
  auto keep = b.create<func::ReturnOp>(loc, outs);
  b.setInsertionPoint(keep);
  if (failed(foldNewOps(block, before)))
    return failure();
  unsigned k = 0;
  for (int i = 0; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      bind(node.output(i), keep.getOperand(k++));
  keep->erase();
  b.setInsertionPointToEnd(block);
  return success();
}

LogicalResult GraphImporter::importNodes(const onnx::GraphProto &graph) {
  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(importNode(graph.node(i), i)))
      return failure();
  return success();
}

LogicalResult GraphImporter::importMainGraph(const onnx::GraphProto &graph,
                                             ModuleOp module) {
  Location fileLoc = FileLineColLoc::get(&ctx, file, 0, 0);
  llvm::StringSet<> initNames;
  for (const auto &init : graph.initializer())
    initNames.insert(init.name());
  for (const auto &[name, v] : options.constInputs) {
    bool found = false;
    for (const auto &in : graph.input())
      found |= in.name() == name;
    if (!found)
      return emitError(fileLoc)
             << "--const " << name << ": the model has no input of that name";
  }
  for (const auto &[name, v] : options.inputShapes) {
    bool found = false;
    for (const auto &in : graph.input())
      found |= in.name() == name;
    if (!found)
      return emitError(fileLoc) << "--input-shape " << name
                                << ": the model has no input of that name";
  }
  // Inputs: arguments, or constants when bound with --const.
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<std::pair<const onnx::ValueInfoProto *, RankedTensorType>> consts;
  SmallVector<Type> argTypes;
  for (const auto &in : graph.input()) {
    if (initNames.contains(in.name()))
      continue;
    auto type = inputType(in);
    if (failed(type))
      return failure();
    // An empty input carries no data: it can only be an empty list (the
    // axes of a reduction), a constant.
    if (options.constInputs.count(in.name()) || type->getNumElements() == 0) {
      consts.push_back({&in, *type});
      continue;
    }
    args.push_back(&in);
    argTypes.push_back(*type);
  }
  std::string name = graph.name().empty() ? "main" : toIdentifier(graph.name());
  b.setInsertionPointToEnd(module.getBody());
  auto func =
      b.create<func::FuncOp>(fileLoc, name, b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  llvm::StringSet<> usedNames;
  for (auto [i, in] : llvm::enumerate(args)) {
    BlockArgument arg = body->getArgument(i);
    std::string id = toIdentifier(in->name());
    if (!usedNames.insert(id).second)
      return emitError(fileLoc)
             << "inputs '" << in->name() << "' and another are both named '"
             << id << "' as identifiers";
    arg.setLoc(NameLoc::get(b.getStringAttr(id), fileLoc));
    func.setArgAttr(i, kNameAttrName, b.getStringAttr(id));
    bind(in->name(), arg);
  }
  for (auto [in, type] : consts) {
    auto it = options.constInputs.find(in->name());
    const std::vector<double> given =
        it == options.constInputs.end() ? std::vector<double>() : it->second;
    if ((int64_t)given.size() != type.getNumElements())
      return emitError(fileLoc)
             << "--const " << in->name() << " gives " << given.size()
             << " values; the input is " << formatType(type);
    io::HostTensor t;
    t.dtype = *toDType(type.getElementType());
    t.shape.assign(type.getShape().begin(), type.getShape().end());
    t.data.resize(t.nbytes());
    for (size_t i = 0; i < given.size(); ++i)
      io::storeElement(t, i, given[i]);
    auto attr = toAttr(t, &ctx);
    bind(in->name(), b.create<ConstantOp>(fileLoc, attr.getType(), attr));
  }
  if (failed(importInitializers(graph)) || failed(importNodes(graph)))
    return failure();

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  SmallVector<std::string> resultNames;
  for (const auto &out : graph.output()) {
    Value v = lookup(out.name());
    if (!v)
      return emitError(fileLoc)
             << "output '" << out.name() << "' is not computed by any node";
    auto type = cast<RankedTensorType>(v.getType());
    // The declared type, where static, must be what Heed computes.
    if (out.type().has_tensor_type()) {
      const auto &tensor = out.type().tensor_type();
      std::optional<DType> declared = heedDType(tensor.elem_type());
      if (tensor.elem_type() && declared &&
          toElementType(*declared, &ctx) != type.getElementType())
        return emitError(fileLoc)
               << "output '" << out.name() << "' is declared "
               << onnxTypeName(tensor.elem_type()) << " but computes "
               << formatType(type);
      if (tensor.has_shape()) {
        bool mismatch = tensor.shape().dim_size() != type.getRank();
        for (int i = 0; !mismatch && i < tensor.shape().dim_size(); ++i)
          mismatch = tensor.shape().dim(i).has_dim_value() &&
                     tensor.shape().dim(i).dim_value() > 0 &&
                     tensor.shape().dim(i).dim_value() != type.getDimSize(i);
        if (mismatch)
          return emitError(fileLoc)
                 << "output '" << out.name()
                 << "' is declared with another shape than the "
                 << formatType(type) << " Heed computes";
      }
    }
    std::string id = toIdentifier(out.name());
    while (!usedNames.insert(id).second)
      id += "_";
    results.push_back(v);
    resultTypes.push_back(type);
    resultNames.push_back(id);
  }
  b.create<func::ReturnOp>(fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, id] : llvm::enumerate(resultNames))
    func.setResultAttr(i, kNameAttrName, b.getStringAttr(id));
  // Shape subgraphs leave dead constants behind.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  return success();
}

OwningOpRef<ModuleOp> heed::importOnnxFile(StringRef path, MLIRContext &context,
                                           const FrontendOptions &options,
                                           WeightStore &weights) {
  context.loadDialect<HeedDialect, attn::AttnDialect, func::FuncDialect>();
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  if (llvm::sys::fs::is_directory(path)) {
    emitError(UnknownLoc::get(&context)) << path << ": is a directory";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (std::error_code ec = buffer.getError()) {
    emitError(UnknownLoc::get(&context))
        << "cannot read " << path << ": " << ec.message();
    return nullptr;
  }
  onnx::ModelProto model;
  if ((*buffer)->getBufferSize() > (size_t)INT32_MAX ||
      !model.ParseFromArray((*buffer)->getBufferStart(),
                            (int)(*buffer)->getBufferSize())) {
    emitError(fileLoc) << "not a valid ONNX model (the protobuf does "
                          "not parse)";
    return nullptr;
  }
  if (!model.has_graph()) {
    emitError(fileLoc) << "the model has no graph";
    return nullptr;
  }
  int64_t opset = 0;
  for (const auto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  if (opset == 0 && model.opset_import_size() == 0)
    opset = 1;
  if (opset < 1 || opset > 27) {
    emitError(fileLoc) << "the model imports opset " << opset
                       << " of the default domain; Heed imports opsets 1 to "
                          "27";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  GraphImporter importer(context, path, options, weights, opset);
  if (failed(importer.importMainGraph(model.graph(), *module)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  return module;
}
