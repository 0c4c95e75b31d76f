//===- heed-eval.cpp - A model's metrics over a dataset -------------------===//
//
// heed-eval MODEL --data DIR [--task classification|binary|regression]
//           [--batch N] [--json] [--plots DIR] [--threads N] [model flags]
//
// Compiles MODEL (a .heed or .onnx file, with heedc's model flags) in
// memory at -O2, runs it over the samples of DIR (DIR/NAME.npy for every
// input NAME, the samples stacked on a new leading axis, and
// DIR/labels.npy) in batches, and reports the seed's evaluation metrics
// (§10; Metrics.h). docs/evaluation.md describes the data layout, the
// metrics and the output.
//
//===----------------------------------------------------------------------===//

#include "Metrics.h"

#include "Frontend.h"
#include "ModelFlags.h"
#include "ReservedFlags.h"
#include "ToolContext.h"
#include "Variant.h"
#include "WeightsTable.h"

#include "heed/io/HostTensor.h"
#include "heed/io/Npy.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace mlir;
using namespace heed;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("heed-eval options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.heed|.onnx>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> dataDir("data",
                             cl::desc("DIR/NAME.npy per model input (samples "
                                      "on a new leading axis) and "
                                      "DIR/labels.npy"),
                             cl::value_desc("DIR"), cl::Required,
                             cl::cat(category));
enum class Task { Classification, Binary, Regression };
cl::opt<Task> task(
    "task", cl::desc("What the first output predicts"),
    cl::init(Task::Classification),
    cl::values(clEnumValN(Task::Classification, "classification",
                          "class scores (argmax), labels are class indices"),
               clEnumValN(Task::Binary, "binary",
                          "two class scores or one logit; adds ROC and AUC"),
               clEnumValN(Task::Regression, "regression",
                          "one value per sample, labels are targets")),
    cl::cat(category));
cl::opt<int64_t> batchFlag("batch",
                           cl::desc("Samples per run (default: the model's, "
                                    "from its inputs' leading extent)"),
                           cl::value_desc("N"), cl::init(0), cl::cat(category));
cl::opt<bool> json("json", cl::desc("Print one JSON object"),
                   cl::cat(category));
cl::opt<std::string> plotsDir("plots",
                              cl::desc("Write confusion.png (and roc.png for "
                                       "binary tasks) into DIR"),
                              cl::value_desc("DIR"), cl::cat(category));

/// Reports "heed-eval: error: MESSAGE" and returns the exit status 1.
int fail(const std::string &message) {
  llvm::errs() << "heed-eval: error: " << message << "\n";
  return 1;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// A model input: its name, dtype and declared shape.
struct Port {
  std::string name;
  heed_dtype dtype;
  std::vector<int64_t> shape;
};

std::vector<Port> ports(const heed_model *model, bool inputs) {
  std::vector<Port> list;
  int32_t n =
      inputs ? heed_model_num_inputs(model) : heed_model_num_outputs(model);
  for (int32_t i = 0; i < n; ++i) {
    const char *name;
    heed_dtype dtype;
    int32_t rank;
    const int64_t *shape;
    if (inputs)
      heed_model_input(model, i, &name, &dtype, &rank, &shape);
    else
      heed_model_output(model, i, &name, &dtype, &rank, &shape);
    list.push_back({name, dtype, std::vector<int64_t>(shape, shape + rank)});
  }
  return list;
}

/// Whether valueAt reads \p dtype.
bool readable(DType dtype) {
  return dtype == DType::F32 || dtype == DType::I64 || dtype == DType::I32 ||
         dtype == DType::I1;
}

/// Element \p i of \p t as a double (a readable dtype).
double valueAt(const io::HostTensor &t, int64_t i) {
  const uint8_t *p = t.data.data();
  switch (t.dtype) {
  case DType::F32:
    return reinterpret_cast<const float *>(p)[i];
  case DType::I64:
    return (double)reinterpret_cast<const int64_t *>(p)[i];
  case DType::I32:
    return reinterpret_cast<const int32_t *>(p)[i];
  case DType::I1:
    return p[i];
  default:
    return std::nan("");
  }
}

/// The progress line on a terminal: samples done and the time left.
void progress(int64_t done, int64_t total, double elapsed, bool terminal) {
  if (!terminal)
    return;
  int width = 30, filled = (int)(width * done / std::max<int64_t>(total, 1));
  double left = done ? elapsed / (double)done * (double)(total - done) : 0;
  llvm::errs() << "\r\033[K[" << std::string(filled, '=')
               << std::string(width - filled, ' ') << "] " << done << "/"
               << total << " samples, " << llvm::format("%.1f", left)
               << " s left";
  if (done == total)
    llvm::errs() << "\r\033[K";
}

std::string number(double v) {
  if (std::isnan(v))
    return "null";
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.10g", v);
  return s;
}

int run(tools::ToolContext &tool, int threads) {
  if (!plotsDir.empty() && task == Task::Regression)
    return fail("--plots draws the confusion matrix and the ROC curve of a "
                "classification; a regression has neither");
  MLIRContext &context = tool.context;
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, tool.sourceMgr, context);
  if (!module)
    return 1;
  auto weights = tools::bindWeightsFromFlags(getEntryGraph(*module));
  if (failed(weights))
    return 1;
  tools::WeightsTable table;
  std::string error;
  if (!tools::makeWeightsTable(*weights, table, error))
    return fail(error);
  auto compiled =
      bench::compileVariant(*module, bench::VariantKind::Fused, table.table,
                            threads, tools::remarksFromFlags());
  if (failed(compiled))
    return 1;
  heed_model *model = (*compiled)->model;
  std::vector<Port> inputs = ports(model, true), outputs = ports(model, false);
  if (outputs.empty())
    return fail("the model has no output to evaluate");

  // The data: one file per input, samples on the leading axis.
  std::vector<io::HostTensor> data;
  int64_t n = -1;
  std::string readError;
  auto read = [&](const std::string &name, io::HostTensor &t) {
    llvm::SmallString<256> path(dataDir);
    llvm::sys::path::append(path, name + ".npy");
    if (io::readNpy(std::string(path), t, readError))
      return true;
    readError = "--data " + dataDir + ": " + readError;
    return false;
  };
  int64_t batch = 0;
  for (const Port &p : inputs) {
    io::HostTensor t;
    if (!read(p.name, t))
      return fail(readError);
    if (t.shape.empty())
      return fail(p.name + ".npy is a scalar; samples go on its leading axis");
    if (n >= 0 && t.shape[0] != n)
      return fail(p.name + ".npy holds " + std::to_string(t.shape[0]) +
                  " samples, " + inputs.front().name + ".npy " +
                  std::to_string(n));
    n = t.shape[0];
    std::vector<int64_t> sample(t.shape.begin() + 1, t.shape.end());
    // The model takes one sample per run (its input is a sample) or a
    // batch of them (its input has one more leading axis).
    int64_t perRun =
        sample == p.shape ? 1
        : p.shape.size() == sample.size() + 1 &&
                std::equal(sample.begin(), sample.end(), p.shape.begin() + 1)
            ? p.shape[0]
            : -1;
    if (perRun < 0)
      return fail("input '" + p.name + "' is " + shapeText(p.shape) +
                  " in the model, but a sample of " + p.name + ".npy is " +
                  shapeText(sample) + " (the file is " + shapeText(t.shape) +
                  ": samples on its leading axis)");
    if (batch && perRun != batch)
      return fail("the inputs take different numbers of samples per run");
    batch = perRun;
    if ((heed_dtype)t.dtype != p.dtype)
      return fail(p.name + ".npy is " + std::string(dtypeName(t.dtype)) +
                  ", the model's input '" + p.name + "' is " +
                  dtypeName((DType)p.dtype));
    data.push_back(std::move(t));
  }
  if (batchFlag && batchFlag != batch)
    return fail(
        "--batch " + std::to_string(batchFlag) + ": the model takes " +
        std::to_string(batch) +
        " samples per run (its inputs' leading extent); compile it for " +
        std::to_string(batchFlag) + " with --dim");
  io::HostTensor labels;
  if (!read("labels", labels))
    return fail(readError);
  if (!readable(labels.dtype))
    return fail("labels.npy is " + std::string(dtypeName(labels.dtype)) +
                "; labels are integers (classes) or float32 (targets)");
  if (n < 0)
    n = labels.shape.empty() ? 0 : labels.shape[0];
  if (labels.shape.size() != 1 || labels.shape[0] != n)
    return fail("labels.npy is " + shapeText(labels.shape) +
                "; it should be [" + std::to_string(n) +
                "], one label per sample");
  if (n == 0)
    return fail("--data " + dataDir + " holds no samples");

  // One output row per sample: its values.
  const Port &out = outputs.front();
  if (!readable((DType)out.dtype))
    return fail("output '" + out.name + "' is " + dtypeName((DType)out.dtype) +
                ", which heed-eval cannot read");
  int64_t outNumel = 1;
  for (int64_t d : out.shape)
    outNumel *= d;
  if (outNumel % batch)
    return fail("output '" + out.name + "' " + shapeText(out.shape) +
                " does not split into " + std::to_string(batch) + " samples");
  int64_t width = outNumel / batch;
  std::vector<double> rows((size_t)(n * width));
  std::vector<std::vector<uint8_t>> runInputs(inputs.size());
  std::vector<uint8_t> runOutput;
  std::vector<std::vector<uint8_t>> otherOutputs(outputs.size());
  bool terminal = isatty(STDERR_FILENO);
  auto start = std::chrono::steady_clock::now();
  for (int64_t first = 0; first < n; first += batch) {
    int64_t count = std::min(batch, n - first);
    std::vector<const void *> inPtrs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const io::HostTensor &t = data[i];
      size_t sampleBytes = t.nbytes() / (size_t)n;
      std::vector<uint8_t> &buf = runInputs[i];
      buf.resize(sampleBytes * (size_t)batch);
      // The last batch repeats its last sample to fill the run.
      for (int64_t s = 0; s < batch; ++s) {
        int64_t from = first + std::min(s, count - 1);
        std::memcpy(buf.data() + s * sampleBytes,
                    t.data.data() + from * sampleBytes, sampleBytes);
      }
      inPtrs.push_back(buf.data());
    }
    std::vector<void *> outPtrs;
    for (size_t o = 0; o < outputs.size(); ++o) {
      int64_t numel = 1;
      for (int64_t d : outputs[o].shape)
        numel *= d;
      otherOutputs[o].resize((size_t)numel *
                             dtypeSize((DType)outputs[o].dtype));
      outPtrs.push_back(otherOutputs[o].data());
    }
    if (heed_model_run_data(model, inPtrs.data(), outPtrs.data()) != HEED_OK)
      return fail(heed_last_error());
    io::HostTensor result;
    result.dtype = (DType)out.dtype;
    result.shape = out.shape;
    result.data = otherOutputs[0];
    for (int64_t s = 0; s < count; ++s)
      for (int64_t k = 0; k < width; ++k)
        rows[(first + s) * width + k] = valueAt(result, s * width + k);
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    progress(first + count, n, elapsed, terminal);
  }

  std::string text, jsonText;
  llvm::raw_string_ostream os(text), js(jsonText);
  js << "{\"n\": " << n;
  if (task == Task::Regression) {
    if (width != 1)
      return fail("--task regression: output '" + out.name + "' has " +
                  std::to_string(width) + " values per sample, not 1");
    std::vector<double> targets, predicted(rows.begin(), rows.end());
    for (int64_t i = 0; i < n; ++i)
      targets.push_back(valueAt(labels, i));
    eval::Regression r = eval::regress(targets, predicted);
    os << "samples  " << n << "\nMSE      " << number(r.mse) << "\nMAE      "
       << number(r.mae) << "\n";
    // Every key in every task: those that do not apply are null.
    js << ", \"accuracy\": null, \"precision_macro\": null, "
          "\"recall_macro\": null, \"f1_macro\": null, \"kappa\": null, "
          "\"confusion\": null, \"auc\": null, \"mse\": "
       << number(r.mse) << ", \"mae\": " << number(r.mae) << "}\n";
  } else {
    int64_t classes = task == Task::Binary ? 2 : width;
    if (task == Task::Binary && width != 1 && width != 2)
      return fail("--task binary: output '" + out.name + "' has " +
                  std::to_string(width) +
                  " values per sample; a binary task takes 2 class scores or "
                  "1 logit");
    if (classes < 2)
      return fail("output '" + out.name + "' has " + std::to_string(width) +
                  " value per sample: a classification needs a score per "
                  "class (or --task binary for one logit)");
    std::vector<int64_t> truth, predicted;
    std::vector<double> scores;
    for (int64_t i = 0; i < n; ++i) {
      double label = valueAt(labels, i);
      if (label != std::floor(label) || label < 0 || label >= classes)
        return fail("labels.npy[" + std::to_string(i) + "] is " +
                    number(label) + ", not a class in [0, " +
                    std::to_string(classes) + ")");
      truth.push_back((int64_t)label);
      const double *row = rows.data() + i * width;
      if (task == Task::Binary) {
        double score = width == 2 ? eval::softmaxAt(row, 2, 1)
                                  : 1 / (1 + std::exp(-row[0]));
        scores.push_back(score);
        predicted.push_back(score >= 0.5);
      } else {
        predicted.push_back(eval::argmax(row, width));
      }
    }
    eval::Classification c = eval::classify(truth, predicted, classes);
    os << "samples          " << n << "\naccuracy         "
       << number(c.accuracy) << "\nprecision macro  "
       << number(c.precisionMacro) << "\nrecall macro     "
       << number(c.recallMacro) << "\nF1 macro         " << number(c.f1Macro)
       << "\nCohen's kappa    " << number(c.kappa) << "\n";
    js << ", \"accuracy\": " << number(c.accuracy)
       << ", \"precision_macro\": " << number(c.precisionMacro)
       << ", \"recall_macro\": " << number(c.recallMacro)
       << ", \"f1_macro\": " << number(c.f1Macro)
       << ", \"kappa\": " << number(c.kappa) << ", \"per_class\": [";
    os << "\nclass  precision  recall     F1         support\n";
    for (int64_t k = 0; k < classes; ++k) {
      const eval::ClassMetrics &m = c.perClass[k];
      os << llvm::format("%-6lld %-10.4f %-10.4f %-10.4f %lld\n", (long long)k,
                         m.precision, m.recall, m.f1, (long long)m.support);
      js << (k ? ", " : "") << "{\"precision\": " << number(m.precision)
         << ", \"recall\": " << number(m.recall) << ", \"f1\": " << number(m.f1)
         << ", \"support\": " << m.support << "}";
    }
    js << "], \"confusion\": [";
    os << "\nconfusion (rows: label, columns: prediction)\n";
    for (int64_t t = 0; t < classes; ++t) {
      js << (t ? ", " : "") << "[";
      for (int64_t p = 0; p < classes; ++p) {
        os << llvm::format("%8lld", (long long)c.confusion[t][p]);
        js << (p ? ", " : "") << c.confusion[t][p];
      }
      os << "\n";
      js << "]";
    }
    js << "]";
    if (task == Task::Binary) {
      eval::Roc r = eval::roc(truth, scores);
      os << "\nAUC              " << number(r.auc) << " (ROC over "
         << r.curve.size() << " points)\n";
      js << ", \"auc\": " << number(r.auc) << ", \"roc\": [";
      for (size_t i = 0; i < r.curve.size(); ++i)
        js << (i ? ", " : "") << "[" << number(r.curve[i].fpr) << ", "
           << number(r.curve[i].tpr) << "]";
      js << "]";
    } else {
      js << ", \"auc\": null";
    }
    js << ", \"mse\": null, \"mae\": null}\n";
  }
  llvm::outs() << (json ? js.str() : os.str());

  if (!plotsDir.empty()) {
    llvm::SmallString<256> metrics;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("heed-eval", "json", metrics))
      return fail("cannot create a temporary file: " + ec.message());
    llvm::FileRemover remove(metrics);
    {
      std::error_code ec;
      llvm::raw_fd_ostream f(metrics, ec);
      f << js.str();
    }
    llvm::StringRef python = "/usr/bin/python3";
    std::string script = HEED_EVAL_PLOT_SCRIPT;
    std::vector<llvm::StringRef> args{python, script, metrics, plotsDir};
    std::string message;
    int rc = llvm::sys::ExecuteAndWait(python, args, std::nullopt, {}, 0, 0,
                                       &message);
    if (rc != 0)
      return fail("--plots: " + script + " failed" +
                  (message.empty() ? "" : ": " + message));
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::optional<std::string> threadsFlag =
      tools::takeValueFlag(argc, argv, "threads");
  cl::HideUnrelatedOptions({&category, &tools::modelFlagsCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "heed-eval: a model's metrics over a dataset "
                              "(docs/evaluation.md)\n");
  tools::ToolContext tool("heed-eval");
  unsigned threads = 0;
  if (threadsFlag &&
      (llvm::StringRef(*threadsFlag).getAsInteger(10, threads) || threads < 1))
    return fail("--threads " + *threadsFlag + ": expected a positive integer");
  return tool.exitStatus(run(tool, (int)threads));
}
