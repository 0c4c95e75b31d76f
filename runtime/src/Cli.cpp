//===- Cli.cpp - The command line of compiled model executables -----------===//
//
// heed_cli_main: what a compiled model executable's main() calls, and what
// heed-run's compiled path calls after JIT-compiling the same code. Plain C++
// (no LLVM): the flags are few and fixed.
//
// It works in three phases so that a failure never leaves output files
// behind: (1) parse the flags, load the model and prepare every input,
// (2) run the model --repeat times, (3) write or print the outputs. Any
// error ends the program with "<program>: error: <message>" on stderr and
// exit status 1.
//
//===----------------------------------------------------------------------===//

#include "heed/compiled.h"
#include "heed/io/AttentionDump.h"
#include "heed/io/Npy.h"
#include "heed/io/PortFiles.h"
#include "heed/io/Random.h"
#include "heed/io/Summary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using heed::DType;
using heed::io::HostTensor;

/// A failure of the command line; its message is printed after
/// "<program>: error: ".
struct CliError {
  std::string message;
};

[[noreturn]] void cliFail(std::string message) {
  throw CliError{std::move(message)};
}

/// The parsed flags.
struct Options {
  /// --input NAME=FILE, in the order given, as (NAME, FILE, flag value).
  struct InputFlag {
    std::string name, path, flag;
  };
  std::vector<InputFlag> inputs;
  std::optional<uint64_t> randomSeed;
  std::optional<std::string> outputDir;
  std::optional<std::string> outputsFile;   ///< --outputs FILE.safetensors
  std::optional<std::string> dumpAttention; ///< --dump-attention DIR
  std::optional<int32_t> threads;
  int64_t repeat = 1;
  bool json = false;
  std::optional<std::string> weightsFile;
  bool help = false;
  /// --generate N and its companions (heed_model_generate).
  std::optional<int64_t> generate;
  std::optional<std::string> promptIds;
  int64_t topK = 0;
  std::optional<double> temperature;
  uint64_t seed = 0;
  int64_t eos = -1;
};

/// Parses a decimal integer in [lo, hi]; nothing else is accepted.
std::optional<int64_t> parseInt(const std::string &s, int64_t lo, int64_t hi) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi)
    return std::nullopt;
  return v;
}

/// Parses a seed: a decimal integer in [0, 2^64).
std::optional<uint64_t> parseSeed(const std::string &s) {
  if (s.empty() || s.size() > 20)
    return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    uint64_t digit = (uint64_t)(c - '0');
    if (v > (UINT64_MAX - digit) / 10)
      return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

Options parseFlags(int argc, char **argv, bool weightsEmbedded) {
  Options o;
  const char *const valued[] = {"--input",   "--random-inputs", "--output-dir",
                                "--outputs", "--threads",       "--repeat",
                                "--weights", "--generate",      "--prompt-ids",
                                "--top-k",   "--temperature",   "--seed",
                                "--eos",     "--dump-attention"};
  for (int i = 1; i < argc; ++i) {
    const std::string typed = argv[i] ? argv[i] : "";
    if (typed == "-h" || typed == "--help" || typed == "-help") {
      o.help = true;
      continue;
    }
    if (typed.size() < 2 || typed[0] != '-')
      cliFail("unexpected argument '" + typed + "'; see --help");
    // LLVM-style single-dash long flags (-input), as heed-run accepts them.
    std::string arg = typed[1] == '-' ? typed : "-" + typed;
    size_t eq = arg.find('=');
    std::string flag = arg.substr(0, eq);
    std::optional<std::string> value;
    if (eq != std::string::npos)
      value = arg.substr(eq + 1);
    if (flag == "--json") {
      if (value)
        cliFail("--json takes no value");
      o.json = true;
      continue;
    }
    if (std::find(std::begin(valued), std::end(valued), flag) ==
        std::end(valued))
      cliFail("unknown flag '" + typed.substr(0, typed.find('=')) +
              "'; see --help");
    if (!value) {
      if (i + 1 >= argc || !argv[i + 1])
        cliFail("missing value for " + flag);
      value = argv[++i];
    }
    const std::string &v = *value;
    if (flag == "--input") {
      size_t split = v.find('=');
      if (split == std::string::npos || split == 0 || split + 1 == v.size())
        cliFail("--input " + v + ": expected NAME=FILE");
      o.inputs.push_back({v.substr(0, split), v.substr(split + 1), v});
    } else if (flag == "--random-inputs") {
      o.randomSeed = parseSeed(v);
      if (!o.randomSeed)
        cliFail("--random-inputs " + v +
                ": expected a non-negative integer seed");
    } else if (flag == "--output-dir") {
      if (v.empty())
        cliFail("--output-dir: expected a directory");
      o.outputDir = v;
    } else if (flag == "--dump-attention") {
      if (v.empty())
        cliFail("--dump-attention: expected a directory");
      o.dumpAttention = v;
    } else if (flag == "--outputs") {
      if (v.size() <= 12 || v.compare(v.size() - 12, 12, ".safetensors"))
        cliFail("--outputs " + v + ": expected a FILE.safetensors");
      o.outputsFile = v;
    } else if (flag == "--threads") {
      std::optional<int64_t> n = parseInt(v, 1, INT32_MAX);
      if (!n)
        cliFail("--threads " + v + ": expected a positive integer");
      o.threads = (int32_t)*n;
    } else if (flag == "--repeat") {
      std::optional<int64_t> n = parseInt(v, 1, INT32_MAX);
      if (!n)
        cliFail("--repeat " + v + ": expected a positive integer");
      o.repeat = *n;
    } else if (flag == "--generate") {
      o.generate = parseInt(v, 1, INT32_MAX);
      if (!o.generate)
        cliFail("--generate " + v + ": expected a positive number of tokens");
    } else if (flag == "--prompt-ids") {
      if (v.empty())
        cliFail("--prompt-ids: expected a .npy file of token ids");
      o.promptIds = v;
    } else if (flag == "--top-k") {
      std::optional<int64_t> k = parseInt(v, 1, INT32_MAX);
      if (!k)
        cliFail("--top-k " + v + ": expected a positive integer");
      o.topK = *k;
    } else if (flag == "--temperature") {
      char *end = nullptr;
      double t = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(t > 0) || !std::isfinite(t))
        cliFail("--temperature " + v + ": expected a positive number");
      o.temperature = t;
    } else if (flag == "--seed") {
      std::optional<uint64_t> seed = parseSeed(v);
      if (!seed)
        cliFail("--seed " + v + ": expected a non-negative integer");
      o.seed = *seed;
    } else if (flag == "--eos") {
      std::optional<int64_t> id = parseInt(v, 0, INT64_MAX / 10);
      if (!id)
        cliFail("--eos " + v + ": expected a token id (an integer >= 0)");
      o.eos = *id;
    } else { // --weights
      if (weightsEmbedded)
        cliFail("--weights " + v +
                ": the model embeds its weights and reads no weights file");
      if (v.empty())
        cliFail("--weights: expected a .safetensors file");
      o.weightsFile = v;
    }
  }
  if (!o.generate) {
    const char *needs = o.promptIds     ? "--prompt-ids"
                        : o.topK        ? "--top-k"
                        : o.temperature ? "--temperature"
                        : o.eos >= 0    ? "--eos"
                                        : nullptr;
    if (needs)
      cliFail(std::string(needs) + " goes with --generate N");
  } else {
    if (!o.promptIds)
      cliFail("--generate needs --prompt-ids FILE.npy (the prompt's token "
              "ids)");
    const char *conflict = o.outputDir       ? "--output-dir"
                           : o.outputsFile   ? "--outputs"
                           : o.repeat != 1   ? "--repeat"
                           : o.dumpAttention ? "--dump-attention"
                                             : nullptr;
    if (conflict)
      cliFail(std::string("--generate feeds the model itself; ") + conflict +
              " does not go with it");
    if (o.temperature && !o.topK)
      cliFail("--temperature goes with --top-k K (sampling); without it "
              "generation is greedy");
  }
  return o;
}

/// A model input or output as the model declares it.
struct Port {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;

  /// "f32[1, 8, 64]".
  std::string type() const {
    return std::string(heed::dtypeName(dtype)) + heed::io::shapeToString(shape);
  }
};

std::vector<Port> ports(const heed_model *model, bool inputs) {
  std::vector<Port> result;
  int32_t n =
      inputs ? heed_model_num_inputs(model) : heed_model_num_outputs(model);
  for (int32_t i = 0; i < n; ++i) {
    const char *name = nullptr;
    heed_dtype dtype = HEED_F32;
    int32_t rank = 0;
    const int64_t *shape = nullptr;
    heed_status s =
        inputs ? heed_model_input(model, i, &name, &dtype, &rank, &shape)
               : heed_model_output(model, i, &name, &dtype, &rank, &shape);
    if (s != HEED_OK)
      cliFail(heed_last_error());
    result.push_back(
        {name, (DType)dtype, std::vector<int64_t>(shape, shape + rank)});
  }
  return result;
}

/// The usage text, with the model's inputs and outputs when it loaded.
std::string usage(const std::string &program, const char *modelName,
                  const char *weightsFile, bool weightsEmbedded,
                  const heed_model *model) {
  std::string s = "usage: " + program +
                  " [--input NAME=FILE]... [--random-inputs=SEED]\n"
                  "       [--output-dir DIR] [--outputs FILE.safetensors]\n"
                  "       [--threads N] [--repeat K] [--json] "
                  "[--dump-attention DIR]\n"
                  "       [--generate N --prompt-ids FILE.npy [--top-k K] "
                  "[--temperature T]\n"
                  "        [--seed S] [--eos ID]]";
  if (!weightsEmbedded)
    s += " [--weights FILE.safetensors]";
  s += "\n\nRuns the Heed model '" +
       std::string(modelName ? modelName : program) +
       "', compiled by heedc.\n\n"
       "options:\n"
       "  --input NAME=FILE           read input NAME from a .npy file, or "
       "from\n"
       "                              FILE.safetensors (its tensor NAME or its "
       "only\n"
       "                              one); a bf16 input also takes f32 "
       "(rounded)\n"
       "                              or bf16 bits ('<u2' or '|V2' in a .npy)\n"
       "  --random-inputs=SEED        draw every input not given (the values "
       "of\n"
       "                              heed-run --reference "
       "--random-inputs=SEED)\n"
       "  --output-dir DIR            write DIR/NAME.npy for every output "
       "(bf16\n"
       "                              widened to f32)\n"
       "  --outputs FILE.safetensors  write every output into FILE, each in "
       "its\n"
       "                              own dtype\n"
       "  --dump-attention DIR        write every attention's probabilities "
       "of the\n"
       "                              (last) run to DIR: NAME.npy [B, H, Lq, "
       "Lk],\n"
       "                              a heatmap per head, overview.png and\n"
       "                              summary.json (the run computes them: "
       "slower)\n"
       "  --threads N                 run on N threads (default: "
       "$HEED_NUM_THREADS,\n"
       "                              else every core)\n"
       "  --repeat K                  run K times (default 1)\n"
       "  --json                      print the run times and memory as one "
       "JSON\n"
       "                              object instead of the outputs\n"
       "  --generate N                generate N tokens with a model that "
       "keeps\n"
       "                              state (a decoder with a KV cache), "
       "printing\n"
       "                              one token id per line (--json: them and "
       "the\n"
       "                              prefill and per-token decode times);\n"
       "                              --input gives its other inputs\n"
       "  --prompt-ids FILE.npy       the prompt's token ids (i64 or i32)\n"
       "  --top-k K                   sample from the K largest logits "
       "(default:\n"
       "                              greedy)\n"
       "  --temperature T             divide the logits by T when sampling "
       "(1)\n"
       "  --seed S                    the sampler's seed (0)\n"
       "  --eos ID                    stop after generating token ID\n";
  if (!weightsEmbedded) {
    s += "  --weights FILE.safetensors  read the weights from FILE";
    s += weightsFile ? std::string(" (default: ") + weightsFile + ")\n"
                     : std::string("\n");
  }
  s += "  -h, --help                  print this help\n"
       "\n"
       "Without --output-dir, --outputs or --json, prints the first elements "
       "of each "
       "output.\n";
  if (!model)
    return s;
  for (bool inputs : {true, false}) {
    std::vector<Port> list = ports(model, inputs);
    s += inputs ? "\ninputs:\n" : "outputs:\n";
    size_t width = 0;
    for (const Port &p : list)
      width = std::max(width, p.name.size());
    for (const Port &p : list)
      s += "  " + p.name + std::string(width - p.name.size() + 2, ' ') +
           p.type() + "\n";
    if (list.empty())
      s += "  (none)\n";
  }
  int32_t dims = heed_model_num_dims(model);
  if (dims > 0) {
    s += "\nsizes: one binary for";
    for (int32_t d = 0; d < dims; ++d) {
      const char *name = nullptr;
      int64_t lo = 0, hi = 0;
      heed_model_dim(model, d, &name, &lo, &hi);
      s += std::string(d ? "," : "") + " " + name + " in " +
           std::to_string(lo) + ".." + std::to_string(hi);
    }
    s += ": inputs may take any of them (listed above at the largest),\n"
         "and the outputs follow; --random-inputs draws the largest.\n";
  }
  return s;
}

/// Owns a model.
struct ModelDeleter {
  void operator()(heed_model *m) const { heed_model_free(m); }
};
using ModelPtr = std::unique_ptr<heed_model, ModelDeleter>;

/// The inputs of the model, from --input files or --random-inputs.
/// With \p anyShape (a model with bounded dimensions), files may hold any
/// shape, which the model checks when it runs; drawn inputs take the bound.
std::vector<HostTensor> prepareInputs(const Options &o,
                                      const std::vector<Port> &inputs,
                                      const int64_t *randomBounds,
                                      bool anyShape) {
  std::map<std::string, const Options::InputFlag *> given;
  for (const Options::InputFlag &f : o.inputs) {
    bool known = std::any_of(inputs.begin(), inputs.end(),
                             [&](const Port &p) { return p.name == f.name; });
    if (!known) {
      std::string names;
      for (const Port &p : inputs)
        names += (names.empty() ? "" : ", ") + p.name;
      cliFail(
          "--input " + f.flag + ": the model has no input '" + f.name + "' (" +
          (inputs.empty() ? "it has no inputs" : "its inputs: " + names) + ")");
    }
    if (!given.emplace(f.name, &f).second)
      cliFail("--input " + f.name + " is given twice");
  }
  std::vector<HostTensor> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Port &p = inputs[i];
    auto it = given.find(p.name);
    if (it == given.end()) {
      if (!o.randomSeed)
        cliFail("input '" + p.name + "' (" + p.type() +
                ") is not given; pass --input " + p.name +
                "=FILE.npy or --random-inputs=SEED");
      int64_t bound = randomBounds && randomBounds[i] > 0 ? randomBounds[i] : 2;
      values.push_back(heed::io::randomTensor(p.name, p.dtype, p.shape,
                                              *o.randomSeed, bound));
      continue;
    }
    HostTensor t;
    std::string error;
    if (!heed::io::readInputFile(it->second->path, p.name, p.dtype,
                                 anyShape ? nullptr : &p.shape, t, error))
      cliFail(error);
    values.push_back(std::move(t));
  }
  return values;
}

/// The outputs' names, for the writers of PortFiles.h.
std::vector<std::string> portNames(const std::vector<Port> &ports) {
  std::vector<std::string> names;
  for (const Port &p : ports)
    names.push_back(p.name);
  return names;
}

std::string programName(int argc, char **argv, const char *modelName) {
  if (argc > 0 && argv && argv[0] && *argv[0]) {
    std::string s = argv[0];
    size_t slash = s.find_last_of('/');
    return slash == std::string::npos ? s : s.substr(slash + 1);
  }
  return modelName && *modelName ? modelName : "model";
}

/// --generate N: reads the prompt (and, with --input, the model's other
/// inputs), generates, prints the token ids one per line (or, with --json,
/// one object with them and the timings).
void generate(const Options &o, heed_model *model) {
  // Generation feeds the token input; the others come from --input.
  int32_t token = -1;
  if (heed_model_token_input(model, &token) != HEED_OK)
    cliFail(heed_last_error());
  std::vector<Port> all = ports(model, true), others;
  std::vector<size_t> otherIndex;
  for (size_t i = 0; i < all.size(); ++i)
    if ((int32_t)i != token) {
      others.push_back(all[i]);
      otherIndex.push_back(i);
    }
  std::vector<HostTensor> otherValues =
      prepareInputs(o, others, nullptr, false);
  std::vector<const void *> inputData(all.size(), nullptr);
  for (size_t j = 0; j < otherValues.size(); ++j)
    inputData[otherIndex[j]] = otherValues[j].data.data();

  HostTensor prompt;
  std::string error;
  if (!heed::io::readNpy(*o.promptIds, prompt, error))
    cliFail(error);
  if (prompt.dtype != DType::I64 && prompt.dtype != DType::I32)
    cliFail("--prompt-ids " + *o.promptIds +
            ": expected i64 or i32 token "
            "ids, got " +
            heed::dtypeName(prompt.dtype));
  std::vector<int64_t> ids((size_t)prompt.numel());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (prompt.dtype == DType::I64) {
      std::memcpy(&ids[i], prompt.data.data() + 8 * i, 8);
    } else {
      int32_t id;
      std::memcpy(&id, prompt.data.data() + 4 * i, 4);
      ids[i] = id;
    }
  }
  if (ids.empty())
    cliFail("--prompt-ids " + *o.promptIds + ": the prompt has no tokens");
  if (ids.size() > (size_t)INT32_MAX)
    cliFail("--prompt-ids " + *o.promptIds + ": too many tokens");

  heed_generate_options options{};
  options.max_new_tokens = (int32_t)*o.generate;
  options.top_k = (int32_t)o.topK;
  options.temperature = (float)o.temperature.value_or(1.0);
  options.seed = o.seed;
  options.use_eos = o.eos >= 0;
  options.eos_id = o.eos;
  options.inputs = inputData.data();
  std::vector<int64_t> tokens((size_t)*o.generate);
  int32_t count = 0;
  heed_generate_stats stats{};
  if (heed_model_generate(model, ids.data(), (int32_t)ids.size(), &options,
                          tokens.data(), &count, &stats) != HEED_OK)
    cliFail(heed_last_error());
  if (!o.json) {
    for (int32_t i = 0; i < count; ++i)
      std::printf("%lld\n", (long long)tokens[(size_t)i]);
    return;
  }
  std::string list;
  for (int32_t i = 0; i < count; ++i)
    list += (i ? ", " : "") + std::to_string(tokens[(size_t)i]);
  double perToken = stats.decode_ms_per_token;
  std::printf("{\"tokens\": [%s], \"prompt_tokens\": %zu, "
              "\"prefill_ms\": %.6f, \"decode_ms_per_token\": %.6f, "
              "\"tokens_per_s\": %.3f, \"memory_bytes\": %zu}\n",
              list.c_str(), ids.size(), stats.prefill_ms, perToken,
              perToken > 0 ? 1000.0 / perToken : 0.0,
              heed_model_memory_bytes(model));
}

/// The attention maps the last run captured.
std::vector<heed::io::AttentionMap> capturedMaps(heed_model *model) {
  struct TensorDeleter {
    void operator()(heed_tensor *t) const { heed_tensor_free(t); }
  };
  std::vector<heed::io::AttentionMap> maps;
  for (int32_t i = 0; i < heed_model_num_attention(model); ++i) {
    heed_tensor *p = nullptr, *s = nullptr;
    if (heed_model_attention_probs(model, i, &p, &s) != HEED_OK)
      cliFail(heed_last_error());
    std::unique_ptr<heed_tensor, TensorDeleter> probs(p), skipped(s);
    heed::io::AttentionMap map;
    map.name = heed_model_attention_name(model, i);
    map.kernel = heed_model_attention_kernel(model, i);
    const int64_t *shape = heed_tensor_shape(p);
    map.shape.assign(shape, shape + heed_tensor_rank(p));
    const auto *data = static_cast<const float *>(heed_tensor_data(p));
    map.probs.assign(data, data + heed_tensor_nbytes(p) / sizeof(float));
    if (skipped) {
      const auto *flags = static_cast<const uint8_t *>(heed_tensor_data(s));
      map.skipped.assign(flags, flags + heed_tensor_nbytes(s));
    }
    maps.push_back(std::move(map));
  }
  return maps;
}

/// Runs a model of fixed sizes --repeat times on \p inputs into \p outputs
/// (sized here); returns the run times in ms.
std::vector<double> runFixed(const Options &o, heed_model *model,
                             const std::vector<HostTensor> &inputs,
                             std::vector<HostTensor> &outputs,
                             const std::vector<Port> &outputPorts) {
  for (size_t i = 0; i < outputPorts.size(); ++i) {
    outputs[i].dtype = outputPorts[i].dtype;
    outputs[i].shape = outputPorts[i].shape;
    outputs[i].data.resize(outputs[i].nbytes());
  }
  std::vector<const void *> inputData;
  for (const HostTensor &t : inputs)
    inputData.push_back(t.data.data());
  std::vector<void *> outputData;
  for (HostTensor &t : outputs)
    outputData.push_back(t.data.data());
  std::vector<double> times;
  for (int64_t r = 0; r < o.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    heed_status s =
        heed_model_run_data(model, inputData.data(), outputData.data());
    auto end = std::chrono::steady_clock::now();
    if (s != HEED_OK)
      cliFail(heed_last_error());
    times.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  return times;
}

/// Runs a model with bounded dimensions --repeat times on \p inputs, of
/// any sizes in range, into \p outputs of the sizes those give; returns the
/// run times in ms (the first run creates the outputs).
std::vector<double> runBounded(const Options &o, heed_model *model,
                               std::vector<HostTensor> &inputs,
                               std::vector<HostTensor> &outputs) {
  struct TensorDeleter {
    void operator()(heed_tensor *t) const { heed_tensor_free(t); }
  };
  using TensorPtr = std::unique_ptr<heed_tensor, TensorDeleter>;
  std::vector<TensorPtr> in, out(outputs.size());
  std::vector<heed_tensor *> inRaw, outRaw(outputs.size());
  for (HostTensor &t : inputs) {
    heed_tensor *w = nullptr;
    if (heed_tensor_wrap((heed_dtype)t.dtype, (int32_t)t.shape.size(),
                         t.shape.data(), t.data.data(), &w) != HEED_OK)
      cliFail(heed_last_error());
    in.emplace_back(w);
    inRaw.push_back(w);
  }
  std::vector<double> times;
  for (int64_t r = 0; r < o.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    heed_status s =
        r == 0 ? heed_model_run_alloc(model, inRaw.data(), (int32_t)in.size(),
                                      outRaw.data(), (int32_t)out.size())
               : heed_model_run(model, inRaw.data(), (int32_t)in.size(),
                                outRaw.data(), (int32_t)out.size());
    auto end = std::chrono::steady_clock::now();
    if (r == 0)
      for (size_t i = 0; i < out.size(); ++i)
        out[i].reset(outRaw[i]);
    if (s != HEED_OK)
      cliFail(heed_last_error());
    times.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    heed_tensor *t = out[i].get();
    outputs[i].dtype = (DType)heed_tensor_dtype(t);
    const int64_t *shape = heed_tensor_shape(t);
    outputs[i].shape.assign(shape, shape + heed_tensor_rank(t));
    const auto *data = static_cast<const uint8_t *>(heed_tensor_data(t));
    outputs[i].data.assign(data, data + heed_tensor_nbytes(t));
  }
  return times;
}

/// The body of heed_cli_main; throws CliError.
void runCli(int argc, char **argv, const std::string &program,
            const char *modelName, heed_build_fn build, const char *weightsFile,
            heed_weights *weights, const int64_t *randomBounds) {
  bool embedded = !weightsFile && !weights;
  Options o = parseFlags(argc, argv, embedded);
  if (o.weightsFile) {
    weightsFile = o.weightsFile->c_str();
    weights = nullptr;
  }
  heed_model *raw = nullptr;
  heed_status loaded = heed_compiled_load(build, weightsFile, weights, &raw);
  ModelPtr model(raw);
  if (o.help) {
    std::fputs(
        usage(program, modelName, weightsFile, embedded, model.get()).c_str(),
        stdout);
    if (loaded != HEED_OK)
      std::fprintf(stderr,
                   "%s: note: cannot list the model's inputs and outputs: "
                   "%s\n",
                   program.c_str(), heed_last_error());
    return;
  }
  if (loaded != HEED_OK)
    cliFail(heed_last_error());
  if (o.threads && heed_model_set_threads(model.get(), *o.threads) != HEED_OK)
    cliFail(heed_last_error());

  if (o.generate)
    return generate(o, model.get());
  if (o.dumpAttention) {
    if (heed_model_num_attention(model.get()) == 0)
      cliFail("--dump-attention " + *o.dumpAttention +
              ": the model has no attention (no attention op, and no "
              "softmax whose probabilities multiply values)");
    if (heed_model_capture_attention(model.get(), 1) != HEED_OK)
      cliFail(heed_last_error());
  }

  std::vector<Port> inputPorts = ports(model.get(), true);
  std::vector<Port> outputPorts = ports(model.get(), false);
  bool bounded = heed_model_num_dims(model.get()) > 0;
  std::vector<HostTensor> inputs =
      prepareInputs(o, inputPorts, randomBounds, bounded);
  std::vector<HostTensor> outputs(outputPorts.size());
  std::vector<double> times;
  if (bounded)
    times = runBounded(o, model.get(), inputs, outputs);
  else
    times = runFixed(o, model.get(), inputs, outputs, outputPorts);

  std::string error;
  if (o.dumpAttention && !heed::io::writeAttentionDump(
                             *o.dumpAttention, modelName ? modelName : program,
                             capturedMaps(model.get()), error))
    cliFail(error);
  if (o.outputDir && !heed::io::writeOutputDir(
                         *o.outputDir, portNames(outputPorts), outputs, error))
    cliFail(error);
  if (o.outputsFile &&
      !heed::io::writeOutputSafetensors(*o.outputsFile, portNames(outputPorts),
                                        outputs, error))
    cliFail(error);
  if (o.json) {
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    std::printf("{\"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, "
                "\"runs\": %zu, \"memory_bytes\": %zu}\n",
                sorted[sorted.size() / 2], sorted.front(), sorted.back(),
                sorted.size(), heed_model_memory_bytes(model.get()));
  } else if (!o.outputDir && !o.outputsFile) {
    for (size_t i = 0; i < outputs.size(); ++i)
      std::fputs(
          heed::io::formatSummary(outputPorts[i].name, outputs[i]).c_str(),
          stdout);
  }
}

} // namespace

extern "C" int heed_cli_main(int argc, char **argv, const char *model_name,
                             heed_build_fn build, const char *weights_file,
                             heed_weights *weights,
                             const int64_t *input_random_bounds) {
  std::string program = "model";
  int status = 0;
  try {
    program = programName(argc, argv, model_name);
    if (!build)
      cliFail("the model has no build function");
    runCli(argc, argv, program, model_name, build, weights_file, weights,
           input_random_bounds);
  } catch (const CliError &e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.message.c_str());
    status = 1;
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: error: out of memory\n", program.c_str());
    status = 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s: error: internal error: %s\n", program.c_str(),
                 e.what());
    status = 1;
  } catch (...) {
    std::fprintf(stderr, "%s: error: internal error\n", program.c_str());
    status = 1;
  }
  // What was printed must have reached standard output: a full disk or a
  // closed pipe is a failure, not a silent success.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "%s: error: cannot write to standard output\n",
                 program.c_str());
    status = 1;
  }
  std::fflush(stderr);
  return status;
}
