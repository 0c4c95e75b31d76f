//===- heed-bench.cpp - Fused vs unfused, interleaved, in one process -----===//
//
// heed-bench M.heed [--dim NAME=V]... [--entry G] [--sweep NAME=V1,V2,...]...
//            [--threads N] [--runs K] [--warmup W] [--json FILE]
//            [--plot FILE.png] [--isolate] [--weights=F | --random-weights=S]
//            [--generate N [--prompt-tokens P]]
//
// For each sweep point the model is compiled in memory three ways
// (Variant.h: unfused -O0, fused -O2, and fused-dense, -O2 without
// attn-sparsify, when the fused module has structured attention), all
// variants get the same random inputs, and they run interleaved after the
// warm-up (A B C, C B A, A B C, ...), so that a noisy neighbour slows them
// alike and none always runs first. A oneDNN
// sgemm 2048^3 timed in the same process, before and after, states the
// machine's peak. The tables (stdout), --json and --plot come at the end;
// progress goes to stderr. docs/bench.md describes the output.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Frontend.h"
#include "ModelFlags.h"
#include "Parser.h"
#include "ReservedFlags.h"
#include "ToolContext.h"
#include "Weights.h"
#include "WeightsTable.h"

#include "FlopCount.h"
#include "Isolate.h"
#include "MachinePeak.h"
#include "Measure.h"
#include "Progress.h"
#include "Report.h"
#include "Sweep.h"
#include "Variant.h"

#include "heed/Registration.h"
#include "heed/compiled.h"
#include "heed/io/Random.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include "CodeGen.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

using namespace mlir;
using namespace heed;
using namespace heed::bench;
namespace cl = llvm::cl;

static cl::OptionCategory category("heed-bench options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.heed>"),
                                      cl::Required, cl::cat(category));
static cl::list<std::string>
    sweepFlags("sweep",
               cl::desc("Bind a dimension to each value in turn (repeatable: "
                        "the cartesian product)"),
               cl::value_desc("NAME=V1,V2,..."), cl::cat(category));
static cl::opt<unsigned> runs("runs",
                              cl::desc("Timed runs per variant (default 5)"),
                              cl::init(5), cl::value_desc("K"),
                              cl::cat(category));
static cl::opt<unsigned>
    warmup("warmup", cl::desc("Untimed runs per variant first (default 1)"),
           cl::init(1), cl::value_desc("W"), cl::cat(category));
static cl::opt<std::string> jsonFile("json", cl::desc("Write the results"),
                                     cl::value_desc("FILE"), cl::cat(category));
static cl::opt<std::string>
    plotFile("plot",
             cl::desc("Plot time and speedup against the swept dimension"),
             cl::value_desc("FILE.png"), cl::cat(category));
static cl::opt<bool>
    isolate("isolate",
            cl::desc("Run each variant in a process of its own and report "
                     "its peak RSS"),
            cl::cat(category));
static cl::opt<uint64_t>
    randomInputs("random-inputs",
                 cl::desc("Seed of the random inputs (default 1)"), cl::init(1),
                 cl::value_desc("seed"), cl::cat(category));
static cl::opt<unsigned>
    sgemmRuns("sgemm-runs",
              cl::desc("Timed sgemm 2048^3 runs before and after (0: skip)"),
              cl::init(5), cl::value_desc("N"), cl::cat(category));
static cl::opt<unsigned>
    generateTokens("generate",
                   cl::desc("For a model that keeps state (a decoder with a "
                            "KV cache): time generation instead of single "
                            "runs, N tokens after a prompt per timed run "
                            "(prefill and decode per token)"),
                   cl::init(0), cl::value_desc("N"), cl::cat(category));
static cl::opt<unsigned>
    promptTokens("prompt-tokens",
                 cl::desc("With --generate: the random prompt's length "
                          "(default 16)"),
                 cl::init(16), cl::value_desc("P"), cl::cat(category));
static cl::opt<std::string> childVariant("bench-child", cl::Hidden,
                                         cl::desc("(internal: --isolate)"));
static cl::opt<std::string> childResult("bench-child-result", cl::Hidden,
                                        cl::desc("(internal: --isolate)"));

namespace {

/// The weights table the variants load from; borrows the store's data.
/// LLVM's command-line errors ("heed-bench: Unknown command line argument
/// ...") in the tools' style: "heed-bench: error: unknown ...".
void printParseErrors(llvm::StringRef text) {
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n', -1, /*KeepEmpty=*/false);
  bool first = true;
  for (llvm::StringRef line : lines) {
    llvm::StringRef body = line.trim();
    size_t colon = body.find(": ");
    if (colon != llvm::StringRef::npos && body.starts_with("heed-bench"))
      body = body.drop_front(colon + 2);
    std::string message = body.str();
    if (!message.empty())
      message[0] = (char)std::tolower((unsigned char)message[0]);
    size_t at;
    while ((at = message.find(".  ")) != std::string::npos) {
      message.replace(at, 3, "; ");
      if (at + 2 < message.size())
        message[at + 2] = (char)std::tolower((unsigned char)message[at + 2]);
    }
    llvm::errs() << "heed-bench: " << (first ? "error: " : "note: ") << message
                 << "\n";
    first = false;
  }
}

/// The dimensions the model file declares, when it parses (the frontend
/// reports a file that does not later).
std::optional<std::vector<std::string>> declaredDims(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return std::nullopt;
  auto module = parseHeed((*buffer)->getBuffer(),
                          [](llvm::SMLoc, const std::string &) {});
  if (!module)
    return std::nullopt;
  std::vector<std::string> names;
  for (const ast::DimDecl &d : module->dims)
    names.push_back(d.name.name);
  return names;
}

/// The dimensions given with --dim and by \p point, by name.
std::map<std::string, int64_t> boundDims(const SweepPoint &point) {
  std::map<std::string, int64_t> dims = pointDims(point);
  for (llvm::StringRef flag : tools::dimFlagValues()) {
    auto [name, value] = flag.split('=');
    int64_t v;
    if (!value.getAsInteger(10, v))
      dims[name.str()] = v;
  }
  return dims;
}

std::string quoteArg(llvm::StringRef arg) {
  if (!arg.empty() && arg.find_first_of(" \t\"'$\\") == llvm::StringRef::npos)
    return arg.str();
  std::string out = "'";
  for (char c : arg)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int resolveThreads(const std::optional<std::string> &flag, std::string &error) {
  if (flag) {
    unsigned n;
    if (llvm::StringRef(*flag).getAsInteger(10, n) || n < 1) {
      error = "--threads " + *flag + ": expected a positive integer";
      return 0;
    }
    return (int)n;
  }
  if (const char *env = std::getenv("HEED_NUM_THREADS")) {
    unsigned n;
    if (!llvm::StringRef(env).getAsInteger(10, n) && n >= 1)
      return (int)n;
  }
  return availableCores();
}

/// The plotting script: installed next to the tools, or in the source tree.
std::string plotScript(const char *argv0) {
  std::string exe =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&resolveThreads);
  llvm::SmallString<256> installed(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(installed, "..", "share", "heed", "plot.py");
  if (llvm::sys::fs::exists(installed))
    return installed.str().str();
  return HEED_BENCH_PLOT_SCRIPT;
}

/// Everything one run of heed-bench needs across points.
struct Bench {
  Bench(MLIRContext &context, llvm::SourceMgr &sourceMgr)
      : context(context), sourceMgr(sourceMgr) {}
  MLIRContext &context;
  llvm::SourceMgr &sourceMgr;
  int threads = 1;
  std::string modelName;
  std::vector<std::string> baseChildArgs;
  std::string program;
  std::unique_ptr<Progress> progress;

  InFlightDiagnostic fail() { return emitError(UnknownLoc::get(&context)); }

  LogicalResult runPoint(size_t index, const SweepPoint &point,
                         std::vector<Result> &rows);
  mlir::FailureOr<std::unique_ptr<CompiledVariant>>
  compileBounded(const SweepPoint &point, heed_weights *weights,
                 const FlopCount &flops);
  LogicalResult runPointInProcess(size_t index, const SweepPoint &point,
                                  ModuleOp module, const WeightStore &weights,
                                  std::vector<Result> &rows);
  LogicalResult runPointIsolated(size_t index, const SweepPoint &point,
                                 ModuleOp module, std::vector<Result> &rows);
  /// The row of variant \p v at \p point without its times: names, FLOPs,
  /// memory and, past the unfused variant, whether it runs the same plan.
  Result
  inProcessResult(const SweepPoint &point, double denseFlops,
                  const std::vector<std::unique_ptr<CompiledVariant>> &variants,
                  size_t v) {
    Result r;
    r.model = modelName;
    r.dims = boundDims(point);
    r.variant = variantName(variants[v]->kind).str();
    r.flops = denseFlops;
    r.effectiveFlops = variants[v]->flops.effective;
    r.memoryBytes = heed_model_memory_bytes(variants[v]->model);
    if (v > 0)
      r.samePlanAsUnfused = variants[v]->planHash == variants[0]->planHash;
    return r;
  }
  /// Calls \p step(round, variant) for warm-up + timed rounds, every
  /// variant once per round in alternating order (A B C, C B A, ...) so
  /// that a noisy neighbour slows them alike and none always runs first;
  /// \p what names the work in the progress line. Stops at a failure.
  template <typename Step>
  LogicalResult
  interleave(size_t index, const std::string &where,
             const std::vector<std::unique_ptr<CompiledVariant>> &variants,
             const char *what, Step step) {
    unsigned rounds = warmup + runs;
    for (unsigned r = 0; r < rounds; ++r)
      for (size_t i = 0; i < variants.size(); ++i) {
        size_t v = r % 2 ? variants.size() - 1 - i : i;
        progress->update(
            index,
            (double)(r * variants.size() + i) / (rounds * variants.size()),
            where + " " + variantName(variants[v]->kind).str() + " " + what +
                (r < warmup ? " (warm-up)"
                            : " " + std::to_string(r - warmup + 1) + "/" +
                                  std::to_string(runs)));
        if (failed(step(r, v)))
          return failure();
      }
    return success();
  }
  LogicalResult
  generatePoint(size_t index, const SweepPoint &point, double denseFlops,
                const std::vector<std::unique_ptr<CompiledVariant>> &variants,
                const InputSet &inputs, std::vector<Result> &rows);
};

/// "L=512: unfused 12.3 ms, fused 4.5 ms (2.73x)".
std::string pointSummary(const SweepPoint &point, llvm::ArrayRef<Result> rows) {
  std::string s;
  llvm::raw_string_ostream os(s);
  std::string where = describePoint(point);
  os << (where.empty() ? "default dims" : where) << ":";
  for (size_t i = 0; i < rows.size(); ++i) {
    os << (i ? ", " : " ") << rows[i].variant << " "
       << llvm::format("%.3f ms", rows[i].time.medianMs);
    if (i)
      os << llvm::format(" (%.2fx)", rows[i].speedupVsUnfused);
  }
  return s;
}

void finishRows(std::vector<Result> &rows) {
  for (Result &r : rows)
    r.speedupVsUnfused =
        r.time.medianMs > 0 ? rows.front().time.medianMs / r.time.medianMs : 0;
}

LogicalResult Bench::runPoint(size_t index, const SweepPoint &point,
                              std::vector<Result> &rows) {
  OwningOpRef<ModuleOp> module = tools::loadModel(inputFile, sourceMgr, context,
                                                  pointDims(point), "--sweep");
  if (!module)
    return failure();
  if (isolate)
    return runPointIsolated(index, point, *module, rows);
  auto weights = tools::bindWeightsFromFlags(getEntryGraph(*module), 1);
  if (failed(weights))
    return failure();
  return runPointInProcess(index, point, *module, *weights, rows);
}

/// The fused-bounded variant: the model compiled once for the ranges of
/// --dim (with the point's other dimensions), to run at the point's sizes.
/// \p flops are the fused variant's at this point.
FailureOr<std::unique_ptr<CompiledVariant>>
Bench::compileBounded(const SweepPoint &point, heed_weights *weights,
                      const FlopCount &flops) {
  std::map<std::string, int64_t> fixed;
  for (const auto &[name, value] : point) {
    bool ranged = false;
    for (const BoundedDim &d : tools::boundedDimsFromFlags())
      ranged |= d.name == name;
    if (!ranged)
      fixed[name] = value;
  }
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, sourceMgr, context, fixed, "--sweep");
  if (!module)
    return failure();
  auto lower = [&](ModuleOp sample) {
    if (failed(runTensorPipeline(sample, VariantKind::FusedBounded, {})))
      return failure();
    PassManager pm(&context);
    buildHeedrtPipeline(pm, 2, tools::precisionFromFlags());
    return pm.run(sample);
  };
  auto bound = [&](ModuleOp m) {
    return tools::boundPlan(m, inputFile, sourceMgr, context, lower, fixed,
                            "--sweep");
  };
  auto variant = compileVariant(*module, VariantKind::FusedBounded, weights,
                                threads, tools::remarksFromFlags(), bound);
  if (succeeded(variant))
    (*variant)->flops = flops; // the run's sizes, not the bound's
  return variant;
}

LogicalResult Bench::runPointInProcess(size_t index, const SweepPoint &point,
                                       ModuleOp module,
                                       const WeightStore &weights,
                                       std::vector<Result> &rows) {
  std::string where = describePoint(point);
  double denseFlops = countFlops(getEntryGraph(module)).dense;
  tools::WeightsTable table;
  std::string error;
  if (!tools::makeWeightsTable(weights, table, error))
    return fail() << error;

  std::vector<std::unique_ptr<CompiledVariant>> variants;
  std::vector<VariantKind> kinds = {VariantKind::Unfused, VariantKind::Fused};
  for (size_t k = 0; k < kinds.size(); ++k) {
    progress->update(index, 0,
                     where + " compiling " + variantName(kinds[k]).str());
    OwningOpRef<ModuleOp> clone(module.clone());
    auto variant = compileVariant(*clone, kinds[k], table.table, threads,
                                  tools::remarksFromFlags());
    if (failed(variant))
      return failure();
    if (kinds[k] == VariantKind::Fused && (*variant)->structuredAttention)
      kinds.push_back(VariantKind::FusedDense);
    variants.push_back(std::move(*variant));
  }

  if (!tools::boundedDimsFromFlags().empty()) {
    progress->update(index, 0, where + " compiling fused-bounded");
    auto bounded = compileBounded(point, table.table, variants[1]->flops);
    if (failed(bounded))
      return failure();
    variants.push_back(std::move(*bounded));
  }

  InputSet inputs = InputSet::draw(*variants.front(), randomInputs);
  std::vector<TimedModel> timed(variants.size());
  for (size_t v = 0; v < variants.size(); ++v)
    if (!TimedModel::create(*variants[v], inputs, timed[v], error))
      return fail() << error;

  if (generateTokens)
    return generatePoint(index, point, denseFlops, variants, inputs, rows);

  if (failed(interleave(index, where, variants, "run",
                        [&](unsigned r, size_t v) -> LogicalResult {
                          if (timed[v].run(r >= warmup, error))
                            return success();
                          return fail() << variantName(variants[v]->kind)
                                        << " run failed: " << error;
                        })))
    return failure();

  for (size_t v = 0; v < variants.size(); ++v) {
    Result r = inProcessResult(point, denseFlops, variants, v);
    r.time = summarize(timed[v].timesMs);
    if (v > 0) {
      double diff = maxRelativeDifference(timed[0], timed[v]);
      r.maxRelDiff = diff;
      if (!(diff <= 1e-3)) {
        progress->clear();
        llvm::errs() << "heed-bench: warning: " << (where.empty() ? "" : where)
                     << (where.empty() ? "" : ": ") << "the " << r.variant
                     << " outputs differ from the unfused ones by "
                     << llvm::format("%.3g", diff) << " (relative, max-norm)\n";
      }
    }
    rows.push_back(std::move(r));
  }
  finishRows(rows);
  return success();
}

/// --generate N: each round runs heed_model_generate on every variant
/// (interleaved as single runs are): the same random prompt of
/// --prompt-tokens ids (drawn below the token input's random bound), greedy,
/// N tokens. A row's time is the decode time per token, its prefill time
/// per prompt token beside it; the variants must generate the same tokens.
LogicalResult Bench::generatePoint(
    size_t index, const SweepPoint &point, double denseFlops,
    const std::vector<std::unique_ptr<CompiledVariant>> &variants,
    const InputSet &inputs, std::vector<Result> &rows) {
  std::string where = describePoint(point);
  const CompiledVariant &first = *variants.front();
  // The prompt's ids stay below the token input's random bound (the rows
  // of the embedding it indexes).
  int32_t token = -1;
  if (heed_model_token_input(first.model, &token) != HEED_OK)
    return fail() << variantName(first.kind)
                  << " generation failed: " << heed_last_error();
  int64_t bound = (size_t)token < first.inputBounds.size() &&
                          first.inputBounds[(size_t)token] > 0
                      ? first.inputBounds[(size_t)token]
                      : 2;
  io::HostTensor promptTensor = io::randomTensor(
      "prompt", DType::I64, {(int64_t)promptTokens}, randomInputs, bound);
  std::vector<int64_t> prompt(promptTokens);
  std::memcpy(prompt.data(), promptTensor.data.data(), 8 * prompt.size());

  struct Timing {
    std::vector<double> prefillPerToken, decodePerToken;
    std::vector<int64_t> tokens;
  };
  std::vector<Timing> timing(variants.size());
  std::vector<std::vector<const void *>> pointers(variants.size());
  std::string error;
  for (size_t v = 0; v < variants.size(); ++v)
    if (!inputs.bind(variants[v]->model, pointers[v], error))
      return fail() << error;
  auto generate = [&](unsigned r, size_t v) -> LogicalResult {
    heed_generate_options options{};
    options.max_new_tokens = (int32_t)generateTokens;
    options.inputs = pointers[v].data();
    std::vector<int64_t> tokens(generateTokens);
    int32_t count = 0;
    heed_generate_stats stats{};
    if (heed_model_generate(variants[v]->model, prompt.data(),
                            (int32_t)prompt.size(), &options, tokens.data(),
                            &count, &stats) != HEED_OK)
      return fail() << variantName(variants[v]->kind)
                    << " generation failed: " << heed_last_error();
    tokens.resize((size_t)count);
    timing[v].tokens = tokens;
    if (r < warmup)
      return success();
    timing[v].prefillPerToken.push_back(stats.prefill_ms / prompt.size());
    if (count > 1)
      timing[v].decodePerToken.push_back(stats.decode_ms_per_token);
    return success();
  };
  if (failed(interleave(index, where, variants, "generating", generate)))
    return failure();

  for (size_t v = 0; v < variants.size(); ++v) {
    Result r = inProcessResult(point, denseFlops, variants, v);
    r.time = summarize(timing[v].decodePerToken);
    r.prefillPerToken = summarize(timing[v].prefillPerToken);
    r.promptTokens = promptTokens;
    r.generatedTokens = timing[v].tokens.size();
    if (v > 0) {
      if (timing[v].tokens != timing[0].tokens) {
        progress->clear();
        llvm::errs() << "heed-bench: warning: " << (where.empty() ? "" : where)
                     << (where.empty() ? "" : ": ") << "the " << r.variant
                     << " variant generates other tokens than the unfused "
                        "one\n";
      }
    }
    rows.push_back(std::move(r));
  }
  finishRows(rows);
  return success();
}

LogicalResult Bench::runPointIsolated(size_t index, const SweepPoint &point,
                                      ModuleOp module,
                                      std::vector<Result> &rows) {
  std::string where = describePoint(point);
  double denseFlops = countFlops(getEntryGraph(module)).dense;
  // The FLOPs and the variant list come from the tensor passes alone; the
  // children compile and time.
  std::vector<VariantKind> kinds = {VariantKind::Unfused, VariantKind::Fused};
  std::vector<FlopCount> flops;
  for (size_t k = 0; k < kinds.size(); ++k) {
    OwningOpRef<ModuleOp> clone(module.clone());
    if (failed(runTensorPipeline(*clone, kinds[k], tools::remarksFromFlags())))
      return failure();
    flops.push_back(countFlops(getEntryGraph(*clone)));
    if (kinds[k] == VariantKind::Fused && hasStructuredAttention(*clone))
      kinds.push_back(VariantKind::FusedDense);
  }
  llvm::SmallString<128> resultPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "heed-bench-child", "json", resultPath))
    return fail() << "cannot create a temporary file: " << ec.message();
  for (size_t k = 0; k < kinds.size(); ++k) {
    progress->update(index, (double)k / kinds.size(),
                     where + " " + variantName(kinds[k]).str() +
                         " (own process)");
    std::vector<std::string> args = baseChildArgs;
    for (const auto &[name, value] : point)
      args.insert(args.end(), {"--dim", name + "=" + std::to_string(value)});
    args.push_back("--bench-child=" + variantName(kinds[k]).str());
    args.push_back("--bench-child-result=" + resultPath.str().str());
    ChildResult child;
    std::string error;
    bool ok = runChild(program, args, resultPath.str().str(), child, error);
    llvm::sys::fs::remove(resultPath);
    if (!ok)
      return fail() << (where.empty() ? "" : where + ": ")
                    << variantName(kinds[k]) << ": " << error;
    Result r;
    r.model = modelName;
    r.dims = boundDims(point);
    r.variant = variantName(kinds[k]).str();
    r.time = summarize(child.timesMs);
    r.flops = denseFlops;
    r.effectiveFlops = flops[k].effective;
    r.memoryBytes = child.memoryBytes;
    r.peakRssBytes = child.peakRssBytes;
    rows.push_back(std::move(r));
  }
  finishRows(rows);
  return success();
}

/// --bench-child=VARIANT: compile and time one variant, write the result.
int runChildMode(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                 int threads) {
  auto fail = [&]() { return emitError(UnknownLoc::get(&context)); };
  std::optional<VariantKind> kind = parseVariantName(childVariant);
  if (!kind || childResult.empty()) {
    fail() << "--bench-child needs a variant and --bench-child-result";
    return 1;
  }
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, sourceMgr, context);
  if (!module)
    return 1;
  auto weights = tools::bindWeightsFromFlags(getEntryGraph(*module), 1);
  if (failed(weights))
    return 1;
  tools::WeightsTable table;
  std::string error;
  if (!tools::makeWeightsTable(*weights, table, error)) {
    fail() << error;
    return 1;
  }
  auto variant = compileVariant(*module, *kind, table.table, threads,
                                tools::remarksFromFlags());
  if (failed(variant))
    return 1;
  InputSet inputs = InputSet::draw(**variant, randomInputs);
  TimedModel timed;
  if (!TimedModel::create(**variant, inputs, timed, error)) {
    fail() << error;
    return 1;
  }
  for (unsigned r = 0; r < warmup + runs; ++r)
    if (!timed.run(r >= warmup, error)) {
      fail() << childVariant << " run failed: " << error;
      return 1;
    }
  ChildResult result;
  result.timesMs = timed.timesMs;
  result.memoryBytes = heed_model_memory_bytes((*variant)->model);
  result.peakRssBytes = peakRssBytes();
  if (!writeFileAtomically(childResult, childResultJson(result), error)) {
    fail() << error;
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::vector<std::string> originalArgs(argv, argv + argc);
  std::optional<std::string> threadsFlag =
      tools::takeValueFlag(argc, argv, "threads");
  cl::HideUnrelatedOptions({&category, &tools::modelFlagsCategory()});
  {
    std::string parseErrors;
    llvm::raw_string_ostream os(parseErrors);
    if (!cl::ParseCommandLineOptions(
            argc, argv,
            "heed-bench: time a model's unfused and fused variants, "
            "interleaved in one process (docs/bench.md)\n\n"
            "  --threads N: worker threads of the models and OpenMP threads "
            "of the sgemm\n  (default $HEED_NUM_THREADS, else every core)\n",
            &os)) {
      printParseErrors(os.str());
      return 1;
    }
  }
  tools::ToolContext tool("heed-bench");
  MLIRContext &context = tool.context;
  llvm::SourceMgr &sourceMgr = tool.sourceMgr;
  Bench bench(context, sourceMgr);
  // The progress bar makes way for any diagnostic (this handler runs first
  // and passes the diagnostic on).
  context.getDiagEngine().registerHandler([&](Diagnostic &) {
    if (bench.progress)
      bench.progress->clear();
    return failure();
  });
  auto fail = [&]() { return bench.fail(); };

  std::string error;
  bench.threads = resolveThreads(threadsFlag, error);
  if (!bench.threads) {
    fail() << error;
    return 1;
  }
  if (runs < 1) {
    fail() << "--runs must be at least 1";
    return 1;
  }
  if (!tools::boundedDimsFromFlags().empty() && (isolate || generateTokens)) {
    fail() << "a --dim range (the fused-bounded variant) cannot be combined "
              "with "
           << (isolate ? "--isolate" : "--generate");
    return 1;
  }
  if (generateTokens && isolate) {
    fail() << "--generate runs in this process; leave out --isolate";
    return 1;
  }
  if (generateTokens && promptTokens < 1) {
    fail() << "--prompt-tokens must be at least 1";
    return 1;
  }
  if (!childVariant.empty())
    return runChildMode(context, sourceMgr, bench.threads);

  std::vector<SweepAxis> axes;
  if (!parseSweepFlags(sweepFlags, axes, error)) {
    fail() << error;
    return 1;
  }
  if (auto declared = declaredDims(inputFile))
    for (const SweepAxis &axis : axes)
      if (!llvm::is_contained(*declared, axis.name)) {
        std::string list;
        for (const std::string &d : *declared)
          list += (list.empty() ? "" : ", ") + d;
        fail() << "--sweep " << axis.name
               << ": the model declares no dimension '" << axis.name
               << "' (it declares " << (list.empty() ? "none" : list) << ")";
        return 1;
      }
  if (!plotFile.empty() && !llvm::StringRef(plotFile).ends_with(".png")) {
    fail() << "--plot " << plotFile << ": expected a .png file name";
    return 1;
  }
  for (const std::string *path : {&jsonFile.getValue(), &plotFile.getValue()}) {
    llvm::StringRef dir = llvm::sys::path::parent_path(*path);
    if (!path->empty() && !dir.empty() && !llvm::sys::fs::is_directory(dir)) {
      fail() << "cannot write " << *path << ": no directory " << dir;
      return 1;
    }
  }
  std::vector<SweepPoint> points = sweepPoints(axes);

  // Every point is read once up front: bad dimensions fail before any
  // timing, and the FLOPs weigh the progress estimate.
  std::vector<double> work;
  for (const SweepPoint &point : points) {
    OwningOpRef<ModuleOp> module = tools::loadModel(
        inputFile, sourceMgr, context, pointDims(point), "--sweep");
    if (!module)
      return 1;
    if (bench.modelName.empty())
      bench.modelName = llvm::sys::path::stem(inputFile).str();
    work.push_back(countFlops(getEntryGraph(*module)).dense *
                   (double)(warmup + runs));
  }
  bench.program = llvm::sys::fs::getMainExecutable(argv[0], (void *)&main);
  bench.baseChildArgs = dropFlags(
      originalArgs, {"sweep", "json", "plot", "sgemm-runs"}, {"isolate"});

  Machine machine;
  machine.cpu = cpuModelName();
  machine.isa = cpuVectorIsa();
  machine.cores = availableCores();
  machine.threads = bench.threads;
  bool terminal = isatty(STDERR_FILENO);
  if (sgemmRuns > 0) {
    if (terminal)
      llvm::errs() << "\r\033[Kmeasuring the sgemm peak...";
    machine.sgemmGflopsBefore = measureSgemmGflops(bench.threads, sgemmRuns);
  }
  bench.progress = std::make_unique<Progress>(work, terminal);

  std::vector<std::vector<Result>> pointRows(points.size());
  for (size_t p = 0; p < points.size(); ++p) {
    if (failed(bench.runPoint(p, points[p], pointRows[p])))
      return 1;
    bench.progress->finishPoint(p, pointSummary(points[p], pointRows[p]));
  }
  if (sgemmRuns > 0) {
    bench.progress->update(points.size(), 0, "measuring the sgemm peak");
    machine.sgemmGflopsAfter = measureSgemmGflops(bench.threads, sgemmRuns);
  }
  bench.progress->clear();

  llvm::outs() << "machine: " << machine.cpu << " (" << machine.isa << ", "
               << machine.cores << " cores), " << machine.threads
               << (machine.threads == 1 ? " thread" : " threads") << "; ";
  if (sgemmRuns > 0)
    llvm::outs() << "sgemm 2048^3 peak "
                 << llvm::format("%.1f", machine.sgemmGflops())
                 << " GFLOP/s (before "
                 << llvm::format("%.1f", machine.sgemmGflopsBefore)
                 << ", after " << llvm::format("%.1f", machine.sgemmGflopsAfter)
                 << ")\n";
  else
    llvm::outs() << "sgemm peak not measured (--sgemm-runs=0)\n";
  llvm::outs() << "runs: " << runs << " timed after " << warmup << " warm-up, "
               << (isolate ? "each variant in its own process"
                           : "variants interleaved")
               << "\n\n";
  std::vector<Result> all;
  for (size_t p = 0; p < points.size(); ++p) {
    std::string where = describePoint(points[p]);
    printPointTable(llvm::outs(),
                    bench.modelName + (where.empty() ? "" : " " + where),
                    pointRows[p], machine);
    all.insert(all.end(), pointRows[p].begin(), pointRows[p].end());
  }
  llvm::outs().flush();

  std::string command;
  for (const std::string &arg : originalArgs)
    command += (command.empty() ? "" : " ") + quoteArg(arg);
  std::vector<std::string> sweepNames;
  for (const SweepAxis &axis : axes)
    sweepNames.push_back(axis.name);
  std::string json = resultsJson(machine, command, sweepNames, all);
  std::string jsonPath = jsonFile;
  bool temporaryJson = false;
  if (jsonPath.empty() && !plotFile.empty()) {
    llvm::SmallString<128> temp;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("heed-bench", "json", temp)) {
      fail() << "cannot create a temporary file: " << ec.message();
      return 1;
    }
    jsonPath = temp.str().str();
    temporaryJson = true;
  }
  if (!jsonPath.empty() && !writeFileAtomically(jsonPath, json, error)) {
    fail() << error;
    return 1;
  }
  if (!plotFile.empty()) {
    std::string script = plotScript(argv[0]);
    std::string message;
    int rc = llvm::sys::ExecuteAndWait("/usr/bin/python3",
                                       {"python3", script, jsonPath, plotFile},
                                       std::nullopt, {}, 0, 0, &message);
    if (temporaryJson)
      llvm::sys::fs::remove(jsonPath);
    if (rc != 0) {
      fail() << "--plot " << plotFile << ": " << script
             << (message.empty() ? " failed" : ": " + message)
             << " (exit status " << rc << ")";
      return 1;
    }
  }
  return tool.exitStatus(0);
}
