//===- AttentionCapture.cpp - Keeping the probabilities of a run ----------===//

#include "AttentionCapture.h"
#include "BoundedDims.h"
#include "Error.h"
#include "Executor.h"
#include "Tensor.h"

#include "heed/DType.h"

#include <algorithm>
#include <cstring>

using namespace heed::rt;

namespace {

/// Runs the plan's kernel, then keeps the probabilities: output
/// \p probsOutput of the kernel, or, when \p nodeOutputs > 0, an output the
/// plan's node (of \p nodeOutputs outputs) does not have, written straight
/// into the copy.
class CaptureKernel : public Kernel {
public:
  CaptureKernel(std::unique_ptr<Kernel> inner, size_t probsOutput,
                TensorDesc probs, std::vector<int64_t> shape,
                size_t nodeOutputs = 0)
      : inner(std::move(inner)), probsOutput(probsOutput),
        numOutputs(nodeOutputs), probs(std::move(probs)),
        shape(std::move(shape)), data((size_t)this->probs.numel()) {}

  void run(const void *const *in, void *const *out) override {
    if (numOutputs) { // probs is an output of the kernel, not of the node
      // The node's outputs with the copy inserted at probsOutput.
      outputs.clear();
      for (size_t i = 0; i < numOutputs; ++i) {
        if (i == probsOutput)
          outputs.push_back(data.data());
        outputs.push_back(out[i]);
      }
      if (probsOutput == numOutputs)
        outputs.push_back(data.data());
      inner->run(in, outputs.data());
      return;
    }
    inner->run(in, out);
    const void *p = out[probsOutput];
    if (probs.dtype == HEED_BF16) {
      const auto *b = static_cast<const uint16_t *>(p);
      for (size_t i = 0; i < data.size(); ++i)
        data[i] = heed::bf16ToFloat(b[i]);
    } else {
      std::memcpy(data.data(), p, data.size() * sizeof(float));
    }
  }
  size_t scratchBytes() const override {
    return inner->scratchBytes() + data.size() * sizeof(float);
  }
  std::array<size_t, kThreadScratchSlots> threadScratchBytes() const override {
    return inner->threadScratchBytes();
  }
  bool copiedConstant(size_t input) const override {
    return inner->copiedConstant(input);
  }
  std::vector<uint8_t> skippedPairs() const override {
    return inner->skippedPairs();
  }

  std::unique_ptr<Kernel> inner;
  size_t probsOutput;
  size_t numOutputs;           ///< the node's outputs; 0: probs is one
  TensorDesc probs;            ///< as the kernel writes them
  std::vector<int64_t> shape;  ///< [B, H, Lq, Lk]
  std::vector<float> data;     ///< the last run's probabilities
  std::vector<void *> outputs; ///< run's output array (numOutputs > 0)
};

/// \p probs's shape as [B, H, Lq, Lk]: the last two axes are queries and
/// keys, the one before heads, the rest fold into B; missing axes are 1.
std::vector<int64_t> mapShape(const std::vector<int64_t> &probs) {
  std::vector<int64_t> s(4, 1);
  size_t r = probs.size();
  for (size_t i = 0; i < std::min<size_t>(r, 3); ++i)
    s[3 - i] = probs[r - 1 - i];
  for (size_t i = 0; i + 3 < r; ++i)
    s[0] *= probs[i];
  return s;
}

} // namespace

namespace heed::rt {

void checkAttentionMapKernel(const std::string &kernel) {
  if (kernel != "attention" && kernel != "additive_attention" &&
      kernel != "softmax")
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "a node running '" + kernel +
             "' computes no attention map (only attention, "
             "additive_attention and softmax do)");
}

std::unique_ptr<Kernel> createCaptureKernel(const KernelSignature &sig,
                                            const PlanNode &n) {
  if (sig.kernel == "additive_attention" || sig.kernel == "softmax") {
    size_t output = sig.kernel == "softmax" ? 0 : 1;
    std::unique_ptr<Kernel> inner = createKernel(sig);
    if (output >= sig.outputs.size()) // createKernel checked the arity
      fail(HEED_ERROR_INTERNAL, sig.kernel + ": no probabilities output");
    const TensorDesc &p = sig.outputs[output];
    // Additive attention and one-query softmax rows: [N, 1, 1, T].
    std::vector<int64_t> shape{p.numel() / std::max<int64_t>(1, p.dim(-1)), 1,
                               1, p.dim(-1)};
    if (sig.kernel == "softmax" && !n.attentionOneQuery)
      shape = mapShape(p.shape);
    return std::make_unique<CaptureKernel>(std::move(inner), output,
                                           sig.outputs[output], shape);
  }
  checkAttentionMapKernel(sig.kernel);
  if (sig.attrs.getInt("return_probs", 0)) { // the probabilities are output 1
    std::unique_ptr<Kernel> inner = createKernel(sig);
    return std::make_unique<CaptureKernel>(
        std::move(inner), 1, sig.outputs.at(1), sig.outputs.at(1).shape);
  }
  // The kernel again with return_probs: probs [B, Hq, Lq, Lk] become its
  // output 1, in front of the lse when it has one.
  if (sig.outputs.empty() || sig.inputs.size() < 2 ||
      sig.outputs[0].rank() != 4 || sig.inputs[1].rank() != 4)
    return createKernel(sig); // which says what is wrong
  bool blhd = sig.attrs.getInt("layout", 0) == 1;
  const TensorDesc &out = sig.outputs[0], &k = sig.inputs[1];
  TensorDesc probs{HEED_F32,
                   {out.dim(0), out.dim(blhd ? 2 : 1), out.dim(blhd ? 1 : 2),
                    k.dim(blhd ? 1 : 2)}};
  Attrs attrs = sig.attrs;
  attrs.setInt("return_probs", 1);
  std::vector<TensorDesc> outputs = sig.outputs;
  outputs.insert(outputs.begin() + 1, probs);
  KernelSignature withProbs{sig.kernel, sig.inputs,    outputs,
                            attrs,      sig.constants, sig.previous};
  return std::make_unique<CaptureKernel>(createKernel(withProbs), 1, probs,
                                         probs.shape, sig.outputs.size());
}

const Kernel *withoutCapture(const Kernel *k) {
  if (auto *capture = dynamic_cast<const CaptureKernel *>(k))
    return capture->inner.get();
  return k;
}

void setAttentionCapture(heed_model &model, bool enable) {
  std::lock_guard<std::mutex> lock(model.runMutex);
  if (enable == model.capturing)
    return;
  // The sizes the kernels are created for now (all bounds after a failed
  // specialization, which the next run repeats anyway).
  std::vector<int64_t> values = model.dimValues;
  if (values.size() != model.dims.size()) {
    values.clear();
    for (const PlanDim &d : model.dims)
      values.push_back(d.hi);
  }
  // Every kernel first, so that a failure changes nothing.
  std::vector<std::unique_ptr<Kernel>> made;
  model.capturing = enable;
  try {
    for (int32_t id : model.attentionNodes)
      made.push_back(createNodeKernel(model, model.nodeSpecs[id], values,
                                      model.nodes[id].kernel.get()));
  } catch (...) {
    model.capturing = !enable;
    throw;
  }
  model.captured = false;
  model.executor.reset(); // its scratch reservation may change
  for (size_t i = 0; i < made.size(); ++i)
    model.nodes[model.attentionNodes[i]].kernel = std::move(made[i]);
}

void capturedAttention(heed_model &model, int32_t index, heed_tensor **probs,
                       heed_tensor **skipped) {
  std::lock_guard<std::mutex> lock(model.runMutex);
  if (index < 0 || index >= (int32_t)model.attentionNodes.size())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "attention map index " + std::to_string(index) + " is out of range");
  const auto *capture = dynamic_cast<const CaptureKernel *>(
      model.nodes[model.attentionNodes[index]].kernel.get());
  if (!model.captured || !capture)
    fail(HEED_ERROR_STATE,
         "no run has captured attention maps; call "
         "heed_model_capture_attention(model, 1) before the run");
  auto make = [](heed_dtype dtype, std::vector<int64_t> shape,
                 const void *data) {
    auto t = std::make_unique<heed_tensor>();
    t->dtype = dtype;
    t->shape = std::move(shape);
    size_t bytes = (t->nbytes() + 63) / 64 * 64;
    t->data = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!t->data)
      fail(HEED_ERROR_OUT_OF_MEMORY,
           "cannot allocate " + std::to_string(bytes) + " bytes");
    t->owned = true;
    std::memcpy(t->data, data, t->nbytes());
    return t;
  };
  std::unique_ptr<heed_tensor> p =
      make(HEED_F32, capture->shape, capture->data.data());
  std::unique_ptr<heed_tensor> s;
  if (skipped) {
    std::vector<uint8_t> flags = capture->skippedPairs();
    if (!flags.empty())
      s = make(HEED_I1, {capture->shape[2], capture->shape[3]}, flags.data());
  }
  if (probs)
    *probs = p.release();
  if (skipped)
    *skipped = s.release();
}

} // namespace heed::rt
