//===- heed-run.cpp - Compile a .heed model in memory and run it ----------===//
//
// heed-run M.heed --reference [--input NAME=FILE.npy]... [--random-inputs=S]
//          [--output-dir DIR] [--weights=F | --random-weights=S]
//
// With --reference the graph is evaluated by the reference interpreter
// (plain loops; the executable meaning of every op). The compiled in-memory
// path (ExecutionEngine over the lowered module) lands with the lowering.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Frontend.h"
#include "Interpreter.h"
#include "ModelFlags.h"
#include "Weights.h"

#include "heed/ShapeUtils.h"
#include "heed/io/Npy.h"

#include "heed/HeedOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace mlir;
using namespace heed;
namespace cl = llvm::cl;

static cl::OptionCategory category("heed-run options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.heed>"),
                                      cl::Required, cl::cat(category));
static cl::opt<bool> reference("reference",
                               cl::desc("Evaluate with the reference "
                                        "interpreter"),
                               cl::cat(category));
static cl::list<std::string> inputs("input", cl::desc("Bind an input"),
                                    cl::value_desc("NAME=FILE.npy"),
                                    cl::cat(category));
static cl::opt<uint64_t> randomInputs("random-inputs",
                                      cl::desc("Fill every input not given"),
                                      cl::value_desc("seed"),
                                      cl::cat(category));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write DIR/NAME.npy per output"),
                                      cl::value_desc("dir"), cl::cat(category));
static cl::opt<unsigned> repeat("repeat", cl::desc("Run K times"), cl::init(1),
                                cl::value_desc("K"), cl::cat(category));
static cl::opt<bool> json("json",
                          cl::desc("Print one JSON object with timings"),
                          cl::cat(category));

namespace {

/// Integer inputs are drawn from [0, bound): the smallest extent they index
/// (embedding rows, gathered axis), 2 when they index nothing.
int64_t randomIntBound(BlockArgument arg) {
  int64_t bound = std::numeric_limits<int64_t>::max();
  for (Operation *user : arg.getUsers()) {
    if (auto e = dyn_cast<EmbeddingOp>(user))
      bound = std::min(
          bound, cast<RankedTensorType>(e.getWeight().getType()).getDimSize(0));
    if (auto g = dyn_cast<GatherOp>(user))
      if (g.getIndices() == arg)
        bound = std::min(bound, cast<RankedTensorType>(g.getInput().getType())
                                    .getDimSize(g.getAxis()));
  }
  return bound == std::numeric_limits<int64_t>::max() ? 2 : bound;
}

ref::Tensor randomInput(BlockArgument arg, StringRef name, uint64_t seed) {
  auto type = cast<RankedTensorType>(arg.getType());
  DType dtype = *toDType(type.getElementType());
  std::vector<double> data(type.getNumElements());
  SeededUniform rng(seed, name);
  int64_t bound = randomIntBound(arg);
  for (double &v : data) {
    double u = rng.next(); // [-1, 1)
    if (isFloatDType(dtype))
      v = u;
    else if (dtype == DType::I1)
      v = u >= 0;
    else
      v = std::min<double>(bound - 1, std::floor((u + 1) / 2 * bound));
  }
  return ref::Tensor(dtype,
                     ref::Shape(type.getShape().begin(), type.getShape().end()),
                     std::move(data));
}

/// The inputs of \p graph, from --input files or the random filler.
FailureOr<std::vector<ref::Tensor>> prepareInputs(func::FuncOp graph) {
  MLIRContext *ctx = graph.getContext();
  auto fail = [&]() { return emitError(UnknownLoc::get(ctx)); };
  std::vector<std::string> names;
  for (unsigned i = 0; i < graph.getNumArguments(); ++i)
    names.push_back(graph.getArgAttrOfType<StringAttr>(i, kNameAttrName).str());
  std::map<std::string, std::string> files;
  for (StringRef flag : inputs) {
    auto [name, path] = flag.split('=');
    if (name.empty() || path.empty())
      return fail() << "--input " << flag << ": expected NAME=FILE.npy";
    if (!llvm::is_contained(names, name.str())) {
      std::string known;
      for (const std::string &n : names)
        known += (known.empty() ? "" : ", ") + n;
      return fail() << "--input " << flag << ": the model has no input '"
                    << name << "' (its inputs: " << known << ")";
    }
    if (!files.emplace(name.str(), path.str()).second)
      return fail() << "--input " << name << " is given twice";
  }
  std::vector<ref::Tensor> values;
  for (unsigned i = 0; i < names.size(); ++i) {
    auto type = cast<RankedTensorType>(graph.getArgument(i).getType());
    auto it = files.find(names[i]);
    if (it == files.end()) {
      if (!randomInputs.getNumOccurrences())
        return fail() << "input '" << names[i] << "' (" << formatType(type)
                      << ") is not given; pass --input " << names[i]
                      << "=FILE.npy or --random-inputs=SEED";
      values.push_back(
          randomInput(graph.getArgument(i), names[i], randomInputs));
      continue;
    }
    io::HostTensor host;
    std::string error;
    if (!io::readNpy(it->second, host, error))
      return fail() << "input '" << names[i] << "': " << error;
    if (*toDType(type.getElementType()) != host.dtype ||
        ArrayRef<int64_t>(host.shape) != type.getShape())
      return fail() << "input '" << names[i] << "' is " << dtypeName(host.dtype)
                    << formatShape(host.shape) << " in " << it->second
                    << " but the model expects " << formatType(type);
    values.push_back(ref::fromHost(host));
  }
  return values;
}

void printSummary(llvm::raw_ostream &os, StringRef name, const ref::Tensor &t) {
  os << name << ": " << dtypeName(t.dtype) << ref::shapeToString(t.shape)
     << " = [";
  int64_t shown = std::min<int64_t>(t.numel(), 6);
  for (int64_t i = 0; i < shown; ++i)
    os << (i ? ", " : "") << llvm::format("%.6g", t.data[i]);
  os << (t.numel() > shown ? ", ...]" : "]") << "\n";
}

} // namespace

/// `--threads N` is read before LLVM's option parser sees the command line:
/// libLLVM already registers an option of that name.
static std::optional<std::string> takeThreadsFlag(int &argc, char **argv) {
  std::optional<std::string> value;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    StringRef a = argv[i];
    if (a.consume_front("--threads=") || a.consume_front("-threads=")) {
      value = a.str();
    } else if ((a == "--threads" || a == "-threads") && i + 1 < argc) {
      value = argv[++i];
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return value;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::optional<std::string> threadsFlag = takeThreadsFlag(argc, argv);
  cl::HideUnrelatedOptions({&category, &tools::modelFlagsCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "heed-run: compile a .heed model in memory and "
                              "run it\n");
  MLIRContext context;
  // Errors point at the source line; a dump of the generic op adds nothing.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  HeedDiagnosticHandler diagnostics(sourceMgr, &context, "heed-run",
                                    llvm::errs());
  auto fail = [&]() { return emitError(UnknownLoc::get(&context)); };
  if (!reference) {
    fail() << "compiled execution is not implemented yet; run the reference "
              "interpreter with --reference";
    return 1;
  }
  unsigned threads = 0;
  if (threadsFlag &&
      (StringRef(*threadsFlag).getAsInteger(10, threads) || threads < 1)) {
    fail() << "--threads " << *threadsFlag << ": expected a positive integer";
    return 1;
  }
  (void)threads; // the reference interpreter runs on one thread
  if (repeat < 1) {
    fail() << "--repeat must be at least 1";
    return 1;
  }
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, sourceMgr, context);
  if (!module)
    return 1;
  func::FuncOp graph = getEntryGraph(*module);
  auto weights = tools::bindWeightsFromFlags(graph);
  if (failed(weights))
    return 1;
  auto values = prepareInputs(graph);
  if (failed(values))
    return 1;

  std::vector<double> times;
  FailureOr<std::vector<ref::Tensor>> results = failure();
  for (unsigned r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    results = ref::interpret(graph, *values, *weights);
    auto end = std::chrono::steady_clock::now();
    if (failed(results))
      return 1;
    times.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }

  std::vector<std::string> names;
  for (unsigned i = 0; i < graph.getNumResults(); ++i)
    names.push_back(
        graph.getResultAttrOfType<StringAttr>(i, kNameAttrName).str());
  if (!outputDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
      fail() << "cannot create " << outputDir << ": " << ec.message();
      return 1;
    }
    for (size_t i = 0; i < names.size(); ++i) {
      llvm::SmallString<256> path(outputDir);
      llvm::sys::path::append(path, names[i] + ".npy");
      std::string error;
      if (!io::writeNpy(path.str().str(), ref::toHost((*results)[i]), error)) {
        fail() << error;
        return 1;
      }
    }
  }
  if (json) {
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    llvm::outs() << llvm::format(
        "{\"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, "
        "\"runs\": %u}\n",
        sorted[sorted.size() / 2], sorted.front(), sorted.back(),
        (unsigned)sorted.size());
  } else if (outputDir.empty()) {
    for (size_t i = 0; i < names.size(); ++i)
      printSummary(llvm::outs(), names[i], (*results)[i]);
  }
  return 0;
}
