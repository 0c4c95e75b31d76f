//===- heed-run.cpp - Compile a .heed model in memory and run it ----------===//
//
// heed-run M.heed [-O0|-O2|--reference] [--input NAME=FILE]...
//          [--random-inputs=S] [--output-dir DIR] [--outputs F.safetensors]
//          [--threads N] [--repeat K]
//          [--json] [--weights=F | --random-weights=S]
//
// By default the model is lowered like heedc does and compiled in memory
// with MLIR's ExecutionEngine; the run flags then go to the same command
// line as a compiled executable's (heed_cli_main). With --reference the
// graph is evaluated by the reference interpreter instead (plain loops; the
// executable meaning of every op).
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Frontend.h"
#include "Interpreter.h"
#include "ModelFlags.h"
#include "Weights.h"
#include "WeightsTable.h"

#include "CodeGen.h"
#include "ReservedFlags.h"
#include "ToolContext.h"

#include "heed/Registration.h"
#include "heed/ShapeUtils.h"
#include "heed/compiled.h"
#include "heed/io/PortFiles.h"
#include "heed/io/Random.h"
#include "heed/io/Summary.h"
#include "heedrt/HeedrtOps.h"
#include "passes/Pipelines.h"

#include "heed/HeedOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
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
static cl::list<std::string>
    inputs("input", cl::desc("Bind an input (.npy or .safetensors; see docs)"),
           cl::value_desc("NAME=FILE"), cl::cat(category));
static cl::opt<uint64_t> randomInputs("random-inputs",
                                      cl::desc("Fill every input not given"),
                                      cl::value_desc("seed"),
                                      cl::cat(category));
static cl::opt<std::string> outputDir("output-dir",
                                      cl::desc("Write DIR/NAME.npy per output"),
                                      cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string>
    outputsFile("outputs",
                cl::desc("Write every output into one .safetensors file"),
                cl::value_desc("file.safetensors"), cl::cat(category));
static cl::opt<std::string>
    dumpAttention("dump-attention",
                  cl::desc("Write every attention's probabilities, heatmaps "
                           "and summary.json to DIR (docs/attention-maps.md)"),
                  cl::value_desc("dir"), cl::cat(category));
static cl::opt<unsigned> repeat("repeat", cl::desc("Run K times"), cl::init(1),
                                cl::value_desc("K"), cl::cat(category));
static cl::opt<unsigned> optLevel("O", cl::Prefix, cl::init(2),
                                  cl::desc("-O0: unfused baseline, -O2: fused "
                                           "(default); not with --reference"),
                                  cl::cat(category));
static cl::opt<bool> json("json",
                          cl::desc("Print one JSON object with timings"),
                          cl::cat(category));

// Generation (docs/runtime.md): passed on, as written, to the compiled
// model's command line, which checks them.
static cl::OptionCategory generationCategory("heed-run generation options");
static cl::opt<std::string>
    generate("generate",
             cl::desc("Generate N tokens with a model that keeps state"),
             cl::value_desc("N"), cl::cat(generationCategory));
static cl::opt<std::string> promptIds("prompt-ids",
                                      cl::desc("The prompt's token ids (.npy)"),
                                      cl::value_desc("file.npy"),
                                      cl::cat(generationCategory));
static cl::opt<std::string> topK("top-k",
                                 cl::desc("Sample from the K largest logits"),
                                 cl::value_desc("K"),
                                 cl::cat(generationCategory));
static cl::opt<std::string>
    temperature("temperature", cl::desc("Divide the logits by T (sampling)"),
                cl::value_desc("T"), cl::cat(generationCategory));
static cl::opt<std::string> seed("seed", cl::desc("The sampler's seed"),
                                 cl::value_desc("S"),
                                 cl::cat(generationCategory));
static cl::opt<std::string> eos("eos",
                                cl::desc("Stop after generating token ID"),
                                cl::value_desc("ID"),
                                cl::cat(generationCategory));

namespace {

ref::Tensor randomInput(BlockArgument arg, StringRef name, uint64_t seed) {
  auto type = cast<RankedTensorType>(arg.getType());
  return ref::fromHost(io::randomTensor(
      name, *toDType(type.getElementType()),
      std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
      seed, randomInputBound(arg)));
}

/// The inputs of \p graph, from --input files or the random filler.
FailureOr<std::vector<ref::Tensor>> prepareInputs(func::FuncOp graph) {
  MLIRContext *ctx = graph.getContext();
  auto fail = [&]() { return emitError(UnknownLoc::get(ctx)); };
  std::vector<std::string> names, known; // every argument; the inputs
  for (unsigned i = 0; i < graph.getNumArguments(); ++i) {
    names.push_back(graph.getArgAttrOfType<StringAttr>(i, kNameAttrName).str());
    if (!graph.getArgAttr(i, kStateAttrName))
      known.push_back(names.back());
  }
  std::map<std::string, std::string> files;
  for (StringRef flag : inputs) {
    auto [name, path] = flag.split('=');
    if (name.empty() || path.empty())
      return fail() << "--input " << flag << ": expected NAME=FILE.npy";
    if (!llvm::is_contained(known, name.str())) {
      std::string list;
      for (const std::string &n : known)
        list += (list.empty() ? "" : ", ") + n;
      return fail() << "--input " << flag << ": the model has no input '"
                    << name << "' (its inputs: " << list << ")";
    }
    if (!files.emplace(name.str(), path.str()).second)
      return fail() << "--input " << name << " is given twice";
  }
  std::vector<ref::Tensor> values;
  for (unsigned i = 0; i < names.size(); ++i) {
    auto type = cast<RankedTensorType>(graph.getArgument(i).getType());
    if (graph.getArgAttr(i, kStateAttrName)) { // zeros, as the runtime's
      values.push_back(ref::Tensor(
          *toDType(type.getElementType()),
          ref::Shape(type.getShape().begin(), type.getShape().end())));
      continue;
    }
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
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    if (!io::readInputFile(it->second, names[i],
                           *toDType(type.getElementType()), &shape, host,
                           error))
      return fail() << error;
    values.push_back(ref::fromHost(host));
  }
  return values;
}

/// The line compiled model executables print too (io::formatSummary).
void printSummary(llvm::raw_ostream &os, StringRef name, const ref::Tensor &t) {
  os << io::formatSummary(name, ref::toHost(t));
}

/// The compiled path: lowers \p module like heedc (weights external: the
/// table is built from \p weights in memory), compiles it with MLIR's
/// ExecutionEngine, and hands the run flags to the compiled model's command
/// line (heed_cli_main), so heed-run and an executable built by heedc parse
/// and report them identically.
int runCompiled(ModuleOp module, const WeightStore &weights,
                const std::optional<std::string> &threads, const char *argv0,
                llvm::SourceMgr &sourceMgr) {
  MLIRContext *ctx = module.getContext();
  LoweringOptions lowering;
  lowering.optLevel = optLevel;
  lowering.externalWeights = true;
  PassManager pm(ctx);
  buildTensorPipeline(pm, optLevel, tools::remarksFromFlags());
  buildHeedrtPipeline(pm, optLevel, tools::precisionFromFlags());
  if (failed(pm.run(module)))
    return 1;
  auto lower = [&](ModuleOp sample) {
    PassManager samplePm(ctx);
    buildTensorPipeline(samplePm, optLevel, PassRemarks());
    buildHeedrtPipeline(samplePm, optLevel, tools::precisionFromFlags());
    return samplePm.run(sample);
  };
  if (failed(tools::boundPlan(module, inputFile, sourceMgr, *ctx, lower)))
    return 1;
  auto plan = *module.getOps<heedrt::PlanOp>().begin();
  std::string name = plan.getSymName().str();
  std::vector<int64_t> bounds;
  for (auto input : plan.getBody().front().getOps<heedrt::InputOp>())
    bounds.push_back(input.getRandomBound().value_or(0));
  PassManager llvmPm(ctx);
  buildLLVMPipeline(llvmPm, lowering);
  if (failed(llvmPm.run(module)))
    return 1;

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  ExecutionEngineOptions options;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine) {
    emitError(UnknownLoc::get(ctx)) << "cannot compile the model in memory: "
                                    << llvm::toString(engine.takeError());
    return 1;
  }
  auto build = (*engine)->lookup(name + "_build");
  if (!build) {
    emitError(UnknownLoc::get(ctx))
        << "the compiled model has no " << name
        << "_build: " << llvm::toString(build.takeError());
    return 1;
  }

  tools::WeightsTable table;
  std::string error;
  if (!tools::makeWeightsTable(weights, table, error)) {
    emitError(UnknownLoc::get(ctx)) << error;
    return 1;
  }

  // The run flags, as the compiled model's command line reads them.
  std::vector<std::string> args = {argv0};
  for (const std::string &flag : inputs)
    args.insert(args.end(), {"--input", flag});
  if (randomInputs.getNumOccurrences())
    args.push_back("--random-inputs=" + std::to_string(randomInputs));
  if (!outputDir.empty())
    args.insert(args.end(), {"--output-dir", outputDir});
  if (!outputsFile.empty())
    args.insert(args.end(), {"--outputs", outputsFile});
  if (dumpAttention.getNumOccurrences())
    args.insert(args.end(), {"--dump-attention", dumpAttention});
  if (threads)
    args.insert(args.end(), {"--threads", *threads});
  if (repeat != 1 || generate.empty())
    args.insert(args.end(), {"--repeat", std::to_string(repeat)});
  for (auto *flag : {&generate, &promptIds, &topK, &temperature, &seed, &eos})
    if (flag->getNumOccurrences())
      args.insert(args.end(), {"--" + flag->ArgStr.str(), flag->getValue()});
  if (json)
    args.push_back("--json");
  std::vector<char *> argvOut;
  for (std::string &a : args)
    argvOut.push_back(a.data());
  argvOut.push_back(nullptr);
  int rc = heed_cli_main((int)args.size(), argvOut.data(), name.c_str(),
                         reinterpret_cast<heed_build_fn>(*build), nullptr,
                         table.table, bounds.data());
  return rc;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::optional<std::string> threadsFlag =
      tools::takeValueFlag(argc, argv, "threads");
  cl::HideUnrelatedOptions(
      {&category, &generationCategory, &tools::modelFlagsCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "heed-run: compile a .heed model in memory and "
                              "run it\n");
  tools::ToolContext tool("heed-run");
  MLIRContext &context = tool.context;
  llvm::SourceMgr &sourceMgr = tool.sourceMgr;
  auto fail = [&]() { return emitError(UnknownLoc::get(&context)); };
  unsigned threads = 0;
  if (threadsFlag &&
      (StringRef(*threadsFlag).getAsInteger(10, threads) || threads < 1)) {
    fail() << "--threads " << *threadsFlag << ": expected a positive integer";
    return 1;
  }
  if (optLevel != 0 && optLevel != 2) {
    fail() << "-O" << optLevel.getValue()
           << " is not a pipeline; use -O0 (unfused) or -O2 (fused)";
    return 1;
  }
  if (repeat < 1) {
    fail() << "--repeat must be at least 1";
    return 1;
  }
  if (!outputsFile.empty() &&
      (!StringRef(outputsFile).ends_with(".safetensors") ||
       outputsFile.size() <= 12)) {
    fail() << "--outputs " << outputsFile << ": expected a FILE.safetensors";
    return 1;
  }
  if (reference && dumpAttention.getNumOccurrences()) {
    fail() << "--dump-attention captures the compiled model's attention; "
              "leave out --reference";
    return 1;
  }
  if (reference && generate.getNumOccurrences()) {
    fail() << "--generate runs the compiled model; leave out --reference";
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
  if (!reference)
    return tool.exitStatus(
        runCompiled(*module, *weights, threadsFlag, argv[0], sourceMgr));
  if (!tools::boundedDimsFromFlags().empty()) {
    fail() << "--reference runs the graph at fixed sizes; give each "
              "dimension one value (--dim NAME=VALUE)";
    return 1;
  }

  // The reference interpreter runs on one thread; --threads is accepted.
  auto values = prepareInputs(graph);
  if (failed(values))
    return 1;

  // A state's next value (a result marked heed.state) is its argument's
  // value in the next run, as the runtime keeps it.
  std::map<std::string, unsigned> stateArgs;
  for (unsigned i = 0; i < graph.getNumArguments(); ++i)
    if (graph.getArgAttr(i, kStateAttrName))
      stateArgs[graph.getArgAttrOfType<StringAttr>(i, kNameAttrName).str()] = i;
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
    for (unsigned i = 0; i < graph.getNumResults(); ++i)
      if (graph.getResultAttr(i, kStateAttrName))
        (*values)[stateArgs.at(
            graph.getResultAttrOfType<StringAttr>(i, kNameAttrName).str())] =
            (*results)[i];
  }

  // The outputs (not the states), written as the compiled models write them
  // (PortFiles.h).
  std::vector<std::string> names;
  std::vector<io::HostTensor> hosts;
  std::vector<ref::Tensor> outputs;
  for (unsigned i = 0; i < graph.getNumResults(); ++i) {
    if (graph.getResultAttr(i, kStateAttrName))
      continue;
    names.push_back(
        graph.getResultAttrOfType<StringAttr>(i, kNameAttrName).str());
    hosts.push_back(ref::toHost((*results)[i]));
    outputs.push_back((*results)[i]);
  }
  std::string error;
  if (!outputDir.empty() &&
      !io::writeOutputDir(outputDir, names, hosts, error)) {
    fail() << error;
    return 1;
  }
  if (!outputsFile.empty() &&
      !io::writeOutputSafetensors(outputsFile, names, hosts, error)) {
    fail() << error;
    return 1;
  }
  if (json) {
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    llvm::outs() << llvm::format(
        "{\"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, "
        "\"runs\": %u}\n",
        sorted[sorted.size() / 2], sorted.front(), sorted.back(),
        (unsigned)sorted.size());
  } else if (outputDir.empty() && outputsFile.empty()) {
    for (size_t i = 0; i < names.size(); ++i)
      printSummary(llvm::outs(), names[i], outputs[i]);
  }
  return tool.exitStatus(0);
}
