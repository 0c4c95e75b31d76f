//===- heedc.cpp - The Heed compiler driver -------------------------------===//
//
// heedc M.heed -o OUT        an executable (the model's command line)
// heedc M.heed -o OUT.so     a shared library and OUT.h, its C API
// heedc M.heed -o OUT.o      an object file (link it with libheedrt)
// heedc M.heed --emit=mlir|heedrt|llvm|obj [-o FILE]   one stage
//
// Stages: parse (frontend) -> tensor passes (-O0: none, -O2: attention
// passes) -> heed-to-heedrt + heedrt-plan-memory -> heedrt-to-llvm ->
// LLVM IR with the weights -> object (TargetMachine) -> link (c++).
//
//===----------------------------------------------------------------------===//

#include "AttentionReport.h"
#include "CodeGen.h"
#include "Diagnostics.h"
#include "Frontend.h"
#include "ModelFlags.h"
#include "ModelHeader.h"
#include "OutputPath.h"
#include "ReservedFlags.h"
#include "ToolContext.h"
#include "Weights.h"

#include "heed/HeedOps.h"
#include "heed/Registration.h"
#include "heed/ShapeUtils.h"
#include "heedrt/HeedrtOps.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <limits>

using namespace mlir;
using namespace heed;
namespace cl = llvm::cl;

static cl::OptionCategory category("heedc options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.heed>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    outputFile("o",
               cl::desc("Output: an executable, NAME.so (plus NAME.h) or "
                        "NAME.o; default: the model file's name without "
                        ".heed, or stdout with --emit"),
               cl::value_desc("file"), cl::cat(category));
enum class EmitKind { Mlir, Heedrt, Llvm, Obj, Exe };
static cl::opt<EmitKind> emit(
    "emit", cl::desc("Stop after a stage and print or write it"),
    cl::init(EmitKind::Exe),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir",
                          "tensor-level heed/attn MLIR after the -O passes"),
               clEnumValN(EmitKind::Heedrt, "heedrt",
                          "the buffer-level plan (heedrt dialect)"),
               clEnumValN(EmitKind::Llvm, "llvm", "LLVM IR"),
               clEnumValN(EmitKind::Obj, "obj", "an object file")),
    cl::cat(category));
static cl::opt<unsigned> optLevel("O", cl::Prefix, cl::init(2),
                                  cl::desc("-O0: unfused baseline, -O2: fused "
                                           "(default)"),
                                  cl::cat(category));
static cl::opt<std::string> attentionReport(
    "attention-report",
    cl::desc("Write each attention of the model (fused or not, its "
             "structure and the scores it skips) to FILE.json"),
    cl::value_desc("FILE.json"), cl::cat(category));
static cl::opt<bool> weightsExternal(
    "weights-external",
    cl::desc("Read the weights from the --weights file when the model "
             "loads instead of embedding them"),
    cl::cat(category));
static cl::opt<std::string>
    targetCpu("target-cpu",
              cl::desc("CPU to generate code for: host (default) or an LLVM "
                       "CPU name"),
              cl::init("host"), cl::value_desc("cpu"), cl::cat(category));
/// --stats: the plan's arena size and number of kernels (read before LLVM's
/// parser: libLLVM owns an option of that name).
static bool stats = false;
static cl::opt<bool> verbose("v", cl::desc("Print each phase with its time"),
                             cl::cat(category));
static cl::opt<bool> noLocations("no-locations",
                                 cl::desc("Print MLIR without source "
                                          "locations"),
                                 cl::cat(category));

namespace {

/// `-v`: numbered phases with their times on stderr.
class Phases {
public:
  explicit Phases(unsigned total) : total(total) {}
  void begin(const llvm::Twine &what) {
    end();
    if (!verbose)
      return;
    llvm::errs() << "[" << ++index << "/" << total << "] " << what;
    start = std::chrono::steady_clock::now();
    open = true;
  }
  void end() {
    if (!open)
      return;
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    llvm::errs() << llvm::format(" (%.0f ms)\n", ms);
    open = false;
  }
  ~Phases() { end(); }

private:
  unsigned total, index = 0;
  bool open = false;
  std::chrono::steady_clock::time_point start;
};

LogicalResult printModule(ModuleOp module, MLIRContext &context) {
  OpPrintingFlags flags;
  if (!noLocations)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  return tools::writeOutput(
      outputFile.empty() ? std::string("-") : outputFile.getValue(),
      [&](llvm::raw_pwrite_stream &os) {
        module.print(os, flags);
        os << "\n";
        return success();
      },
      context);
}

void printStats(ModuleOp module) {
  for (auto plan : module.getOps<heedrt::PlanOp>()) {
    unsigned kernels = 0, weights = 0;
    int64_t weightBytes = 0;
    for (Operation &op : plan.getBody().front()) {
      kernels += isa<heedrt::KernelOp>(op);
      if (auto w = dyn_cast<heedrt::WeightOp>(op)) {
        ++weights;
        weightBytes += heedrt::bufferBytes(w.getType());
      }
    }
    int64_t arena = plan.getArenaBytes().value_or(0);
    llvm::errs() << llvm::format(
        "%s: arena %lld bytes (%.2f MiB), %u kernels, %u weights (%.2f "
        "MiB)\n",
        plan.getSymName().str().c_str(), (long long)arena, arena / 1048576.0,
        kernels, weights, weightBytes / 1048576.0);
  }
}

/// What -o asks for when --emit is not given.
enum class Artifact { Executable, SharedLibrary, Object };

Artifact artifactOf(StringRef path) {
  if (path.ends_with(".so"))
    return Artifact::SharedLibrary;
  if (path.ends_with(".o"))
    return Artifact::Object;
  return Artifact::Executable;
}

/// The most weight bytes an object file may embed: x86-64 code reaches its
/// data PC-relative within +-2 GiB, and the code and the other sections need
/// part of that. Past it the link fails with "relocation truncated to fit"
/// after minutes of code generation.
constexpr int64_t kMaxEmbeddedWeightBytes = (int64_t(1) << 31) - (256 << 20);

/// Fails, before any weight is read or drawn, when the object heedc would
/// generate must embed more than kMaxEmbeddedWeightBytes of weights.
LogicalResult checkEmbeddedWeightSize(func::FuncOp graph, EmitKind emit,
                                      Artifact artifact) {
  if (weightsExternal || (emit != EmitKind::Exe && emit != EmitKind::Obj))
    return success();
  int64_t total = 0;
  ParamOp largest;
  int64_t largestBytes = -1;
  for (ParamOp op : graph.getOps<ParamOp>()) {
    if (op->use_empty()) // dropped by the passes, never embedded
      continue;
    auto type = cast<ShapedType>(op.getType());
    int64_t b = (int64_t)dtypeSize(*toDType(type.getElementType()));
    for (int64_t d : type.getShape())
      if (__builtin_mul_overflow(b, d, &b))
        b = std::numeric_limits<int64_t>::max();
    total = b > std::numeric_limits<int64_t>::max() - total
                ? std::numeric_limits<int64_t>::max()
                : total + b;
    if (b > largestBytes) {
      largestBytes = b;
      largest = op;
    }
  }
  if (total <= kMaxEmbeddedWeightBytes)
    return success();
  auto mib = [](int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; };
  return largest.emitError()
         << "the model's weights take "
         << (total == std::numeric_limits<int64_t>::max()
                 ? "more than 2^63 bytes"
                 : mib(total))
         << " (the largest, '" << largest.getName() << "', "
         << mib(largestBytes) << "); a compiled model can embed at most "
         << mib(kMaxEmbeddedWeightBytes)
         << ": compile with --weights=FILE.safetensors --weights-external to "
            "read them from the file when the model loads";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  stats = tools::takeBoolFlag(argc, argv, "stats");
  cl::HideUnrelatedOptions({&category, &tools::modelFlagsCategory()});
  cl::ParseCommandLineOptions(
      argc, argv,
      "heedc: compile .heed models\n\n"
      "  heedc model.heed -o model        an executable\n"
      "  heedc model.heed -o libm.so      a shared library and libm.h\n"
      "  heedc model.heed -o model.o      an object file\n"
      "  heedc model.heed --emit=mlir     print a stage "
      "(mlir|heedrt|llvm|obj)\n\n"
      "  --stats                          print the plan's arena size and "
      "number of kernels\n");
  tools::ToolContext tool("heedc");
  MLIRContext &context = tool.context;
  llvm::SourceMgr &sourceMgr = tool.sourceMgr;
  auto fail = [&]() { return emitError(UnknownLoc::get(&context)); };
  if (optLevel != 0 && optLevel != 2) {
    fail() << "-O" << optLevel.getValue()
           << " is not a pipeline; use -O0 (unfused) or -O2 (fused)";
    return 1;
  }
  if (weightsExternal && tools::weightsFlag().empty()) {
    fail() << "--weights-external needs --weights=FILE.safetensors (the file "
              "the model reads when it loads)";
    return 1;
  }

  std::string output = outputFile;
  if (emit == EmitKind::Exe && output.empty())
    output = llvm::sys::path::stem(inputFile).str();
  Artifact artifact = artifactOf(output);
  // Refuse a bad output path before any work: the input itself, a
  // directory, a FIFO, a device.
  if (!output.empty() && output != "-") {
    std::vector<std::string> inputs{inputFile, tools::weightsFlag()};
    if (failed(tools::checkOutputPath(output, inputs, context)))
      return 1;
    if (emit == EmitKind::Exe && artifact == Artifact::SharedLibrary) {
      llvm::SmallString<256> headerPath(output);
      llvm::sys::path::replace_extension(headerPath, "h");
      if (failed(tools::checkOutputPath(headerPath, inputs, context)))
        return 1;
    }
  }
  if (!attentionReport.empty() &&
      failed(tools::checkOutputPath(attentionReport,
                                    {inputFile, tools::weightsFlag()}, context,
                                    "--attention-report")))
    return 1;
  bool linking = emit == EmitKind::Exe && artifact != Artifact::Object;
  unsigned stages = emit == EmitKind::Mlir     ? 2
                    : emit == EmitKind::Heedrt ? 3
                    : emit == EmitKind::Llvm   ? 4
                                               : 5;
  Phases phases(stages + linking);

  phases.begin("parsing " + inputFile);
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, sourceMgr, context);
  if (!module)
    return 1;
  func::FuncOp graph = getEntryGraph(*module);

  // Embedded weights need values now; external ones are checked when the
  // model loads, but a given file is checked here too.
  WeightStore weights;
  bool needWeights =
      emit != EmitKind::Mlir && emit != EmitKind::Heedrt && !weightsExternal;
  bool hasParams = !graph.getOps<ParamOp>().empty();
  bool haveValues = tools::weightFlagsGiven() || tools::modelCarriesWeights();
  if (needWeights && hasParams && !haveValues) {
    fail() << "the model has parameters; give --weights=FILE.safetensors or "
              "--random-weights=SEED (or --weights-external)";
    return 1;
  }
  if (failed(checkEmbeddedWeightSize(graph, emit, artifact)))
    return 1;
  if (haveValues) {
    auto bound = tools::bindWeightsFromFlags(
        graph, weightsExternal ? tools::FileValues::CheckOnly
                               : tools::FileValues::Copy);
    if (failed(bound))
      return 1;
    weights = std::move(*bound);
  }

  LoweringOptions lowering;
  lowering.optLevel = optLevel;
  lowering.externalWeights = weightsExternal;
  if (weightsExternal) {
    llvm::SmallString<256> path(tools::weightsFlag());
    llvm::sys::fs::make_absolute(path);
    lowering.weightsFile = path.str().str();
  }
  lowering.emitMain = emit == EmitKind::Exe && artifact == Artifact::Executable;

  phases.begin(optLevel == 0 ? "tensor passes (-O0: none)"
                             : "attention passes (-O2)");
  PassManager tensorPm(&context);
  PassRemarks remarks = tools::remarksFromFlags();
  std::optional<tools::NearMissCollector> nearMisses;
  if (!attentionReport.empty()) {
    // attn-fuse's near misses are the attentions it could not fuse.
    nearMisses.emplace(context, remarks.attnFuse);
    remarks.attnFuse = true;
  }
  buildTensorPipeline(tensorPm, optLevel, remarks);
  if (failed(tensorPm.run(*module)))
    return 1;
  if (nearMisses) {
    std::string report =
        tools::attentionReportJson(getEntryGraph(*module), nearMisses->misses);
    nearMisses.reset();
    if (failed(tools::writeOutput(
            attentionReport,
            [&](llvm::raw_pwrite_stream &os) {
              os << report;
              return success();
            },
            context)))
      return 1;
  }
  if (emit == EmitKind::Mlir) {
    phases.end();
    return failed(printModule(*module, context));
  }

  phases.begin("lowering to a heedrt plan");
  PassManager heedrtPm(&context);
  buildHeedrtPipeline(heedrtPm, optLevel, tools::precisionFromFlags());
  if (failed(heedrtPm.run(*module)))
    return 1;
  auto lower = [&](ModuleOp sample) {
    PassManager pm(&context);
    buildTensorPipeline(pm, optLevel, PassRemarks());
    buildHeedrtPipeline(pm, optLevel, tools::precisionFromFlags());
    return pm.run(sample);
  };
  if (failed(tools::boundPlan(*module, inputFile, sourceMgr, context, lower)))
    return 1;
  if (stats) {
    phases.end();
    printStats(*module);
  }
  if (emit == EmitKind::Heedrt) {
    phases.end();
    return failed(printModule(*module, context));
  }
  heedrt::PlanOp plan = *module->getOps<heedrt::PlanOp>().begin();
  std::string header;
  if (artifact == Artifact::SharedLibrary && emit == EmitKind::Exe) {
    llvm::raw_string_ostream os(header);
    tools::writeModelHeader(plan, llvm::sys::path::filename(inputFile),
                            weightsExternal, os);
  }

  phases.begin("lowering to LLVM");
  PassManager llvmPm(&context);
  buildLLVMPipeline(llvmPm, lowering);
  if (failed(llvmPm.run(*module)))
    return 1;
  std::unique_ptr<llvm::TargetMachine> machine =
      tools::createTargetMachine(targetCpu, context);
  if (!machine)
    return 1;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      tools::translateToLLVM(*module, llvmContext, *machine, weights);
  if (!llvmModule)
    return 1;
  if (emit == EmitKind::Llvm) {
    phases.end();
    return failed(tools::writeOutput(
        output.empty() ? "-" : output,
        [&](llvm::raw_pwrite_stream &os) {
          llvmModule->print(os, nullptr);
          return success();
        },
        context));
  }

  phases.begin("generating code for " + machine->getTargetCPU());
  if (emit == EmitKind::Obj || artifact == Artifact::Object) {
    if (output.empty() || output == "-") {
      fail() << "--emit=obj writes a binary file; give -o FILE.o";
      return 1;
    }
    return failed(tools::writeObject(*llvmModule, *machine, output, context));
  }
  llvm::SmallString<128> object;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("heedc", "o", object)) {
    fail() << "cannot create a temporary file: " << ec.message();
    return 1;
  }
  llvm::FileRemover removeObject(object);
  if (failed(tools::writeObject(*llvmModule, *machine, object, context)))
    return 1;

  phases.begin("linking " + output);
  if (failed(tools::linkProgram(object, output,
                                artifact == Artifact::SharedLibrary,
                                tools::runtimeLibraryDir(argv[0]), context)))
    return 1;
  if (artifact == Artifact::SharedLibrary) {
    llvm::SmallString<256> headerPath(output);
    llvm::sys::path::replace_extension(headerPath, "h");
    if (failed(tools::writeOutput(
            headerPath,
            [&](llvm::raw_pwrite_stream &os) {
              os << header;
              return success();
            },
            context)))
      return 1;
  }
  return 0;
}
