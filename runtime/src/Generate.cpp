//===- Generate.cpp - Token-by-token generation with a stateful model -----===//
//
// heed_model_generate: the loop every compiled executable runs for
// --generate. The model keeps its KV cache in state (heed_plan_add_state), so
// one run consumes one token: the prompt is fed token by token (prefill),
// then each picked token is fed back (decode). Picking is greedy or top-k
// sampling with a seeded splitmix64 generator.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Plan.h"

#include "heed/DType.h"
#include "heed/compiled.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

using namespace heed;
using namespace heed::rt;

namespace {

/// splitmix64: a small, well-mixed generator; the same seed gives the same
/// sequence on every machine.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return (double)(next() >> 11) * 0x1.0p-53; }
};

/// The index of the first largest logit (NaN never wins).
int64_t argmax(const std::vector<float> &logits) {
  int64_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[(size_t)best] || std::isnan(logits[(size_t)best]))
      best = (int64_t)i;
  return best;
}

/// Samples from the \p k largest logits, softmax(logit / temperature); ties
/// in the ranking keep the lower index first.
int64_t sampleTopK(const std::vector<float> &logits, int32_t k,
                   float temperature, SplitMix64 &rng) {
  std::vector<int64_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  k = std::min<int32_t>(k, (int32_t)logits.size());
  // NaN ranks as -inf (picked only when nothing finite is left).
  auto key = [&](int64_t i) {
    float v = logits[(size_t)i];
    return std::isnan(v) ? -std::numeric_limits<float>::infinity() : v;
  };
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) {
                      if (key(a) != key(b))
                        return key(a) > key(b);
                      return a < b;
                    });
  double top = key(order[0]);
  if (std::isinf(top)) // nothing finite to weigh: the first largest
    return order[0];
  std::vector<double> weights((size_t)k);
  double total = 0;
  for (int32_t i = 0; i < k; ++i) {
    weights[(size_t)i] =
        std::exp(((double)key(order[(size_t)i]) - top) / temperature);
    total += weights[(size_t)i];
  }
  double u = rng.uniform() * total;
  for (int32_t i = 0; i < k; ++i) {
    u -= weights[(size_t)i];
    if (u < 0)
      return order[(size_t)i];
  }
  return order[(size_t)k - 1];
}

/// The index of the model's one input of one i64 or i32 element, which
/// takes the token id; throws when the model keeps no state (it cannot
/// generate) or has no such input or several.
size_t tokenInput(const heed_model &model) {
  if (model.states.empty())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "the model declares no state: generation needs a model that keeps "
         "its KV cache between runs ('state NAME: TYPE', docs/language.md)");
  std::vector<size_t> candidates;
  std::string inputs;
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    const TensorDesc &d = model.buffers[model.inputs[i].buffer].desc;
    if ((d.dtype == HEED_I64 || d.dtype == HEED_I32) && d.numel() == 1)
      candidates.push_back(i);
    inputs +=
        (inputs.empty() ? "" : ", ") + model.inputs[i].name + " " + d.str();
  }
  if (candidates.size() != 1)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "generation feeds the token id to the model's one input of one "
         "i64 or i32 element; this model has " +
             std::to_string(candidates.size()) + " such inputs (inputs: " +
             (inputs.empty() ? "none" : inputs) + ")");
  return candidates[0];
}

/// The model's generation ports, checked against what generation needs.
struct GenerationPorts {
  size_t tokenInput; ///< the input that takes the token id
  heed_dtype idDtype;
  heed_dtype logitsDtype;
  int64_t vocabulary;
  std::vector<std::vector<uint8_t>> outputs; ///< room for every output
};

GenerationPorts checkPorts(const heed_model &model,
                           const void *const *otherInputs) {
  size_t token = tokenInput(model);
  for (size_t i = 0; i < model.inputs.size(); ++i)
    if (i != token && (!otherInputs || !otherInputs[i]) &&
        model.buffers[model.inputs[i].buffer].desc.nbytes())
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "input '" + model.inputs[i].name +
               "' is not given (generation feeds only the token input '" +
               model.inputs[token].name + "')");
  const TensorDesc &id = model.buffers[model.inputs[token].buffer].desc;
  if (model.outputs.empty())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "generation reads the logits from the model's first output; it has "
         "none");
  const TensorDesc &logits = model.buffers[model.outputs[0].buffer].desc;
  if ((logits.dtype != HEED_F32 && logits.dtype != HEED_BF16) ||
      logits.rank() < 1 || logits.numel() != logits.dim(-1) ||
      logits.numel() < 1)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "generation reads the next token's logits from output '" +
             model.outputs[0].name +
             "', which must be f32 or bf16 with the vocabulary on its last "
             "axis and one position, not " +
             logits.str());
  GenerationPorts p{token, id.dtype, logits.dtype, logits.dim(-1), {}};
  for (const PlanPort &out : model.outputs)
    p.outputs.emplace_back(model.buffers[out.buffer].desc.nbytes());
  return p;
}

} // namespace

extern "C" heed_status heed_model_token_input(const heed_model *model,
                                              int32_t *index) {
  return guard([&] {
    if (!model || !index)
      fail(HEED_ERROR_INVALID_ARGUMENT, "null argument");
    *index = (int32_t)tokenInput(*model);
  });
}

extern "C" heed_status heed_model_generate(heed_model *model,
                                           const int64_t *prompt,
                                           int32_t prompt_len,
                                           const heed_generate_options *options,
                                           int64_t *tokens, int32_t *num_tokens,
                                           heed_generate_stats *stats) {
  return guard([&] {
    if (!model || !prompt || !options || !num_tokens ||
        (!tokens && options->max_new_tokens > 0))
      fail(HEED_ERROR_INVALID_ARGUMENT, "null argument");
    *num_tokens = 0;
    if (prompt_len < 1)
      fail(HEED_ERROR_INVALID_ARGUMENT, "the prompt needs at least one token");
    if (options->max_new_tokens < 0 || options->top_k < 0 ||
        options->temperature < 0 || std::isnan(options->temperature))
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "max_new_tokens, top_k and temperature must not be negative");
    GenerationPorts ports = checkPorts(*model, options->inputs);
    float temperature = options->temperature > 0 ? options->temperature : 1;
    SplitMix64 rng{options->seed};

    std::vector<void *> outputData;
    for (auto &bytes : ports.outputs)
      outputData.push_back(bytes.data());
    uint8_t idBytes[8];
    std::vector<const void *> inputData(model->inputs.size());
    for (size_t i = 0; i < inputData.size(); ++i)
      inputData[i] = i == ports.tokenInput ? idBytes
                     : options->inputs     ? options->inputs[i]
                                           : nullptr;
    // Runs the model on one token; throws with the run's status.
    auto step = [&](int64_t token) {
      if (ports.idDtype == HEED_I64)
        std::memcpy(idBytes, &token, 8);
      else {
        int32_t t32 = (int32_t)token;
        std::memcpy(idBytes, &t32, 4);
      }
      heed_status s =
          heed_model_run_data(model, inputData.data(), outputData.data());
      if (s != HEED_OK)
        throw Error(s, heed_last_error());
    };
    auto logits = [&] {
      std::vector<float> v((size_t)ports.vocabulary);
      const uint8_t *raw = ports.outputs[0].data();
      for (size_t i = 0; i < v.size(); ++i) {
        if (ports.logitsDtype == HEED_F32)
          std::memcpy(&v[i], raw + 4 * i, 4);
        else {
          uint16_t b;
          std::memcpy(&b, raw + 2 * i, 2);
          v[i] = bf16ToFloat(b);
        }
      }
      return v;
    };
    using Clock = std::chrono::steady_clock;
    auto ms = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };

    heed_status reset = heed_model_reset_state(model);
    if (reset != HEED_OK)
      throw Error(reset, heed_last_error());
    auto start = Clock::now();
    for (int32_t i = 0; i < prompt_len; ++i)
      step(prompt[i]);
    double prefill = ms(start, Clock::now());

    std::vector<double> decode;
    for (int32_t n = 0; n < options->max_new_tokens; ++n) {
      std::vector<float> v = logits();
      int64_t next = options->top_k > 0
                         ? sampleTopK(v, options->top_k, temperature, rng)
                         : argmax(v);
      tokens[n] = next;
      *num_tokens = n + 1;
      if ((options->use_eos && next == options->eos_id) ||
          n + 1 == options->max_new_tokens)
        break;
      auto t0 = Clock::now();
      step(next);
      decode.push_back(ms(t0, Clock::now()));
    }
    if (stats) {
      stats->prefill_ms = prefill;
      stats->decode_ms_per_token = 0;
      if (!decode.empty()) {
        std::sort(decode.begin(), decode.end());
        stats->decode_ms_per_token = decode[decode.size() / 2];
      }
    }
  });
}
