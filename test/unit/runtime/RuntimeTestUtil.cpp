//===- RuntimeTestUtil.cpp - Run one libheedrt kernel on ref tensors ------===//

#include "RuntimeTestUtil.h"

#include <algorithm>
#include <memory>

namespace heed::test {

namespace {
struct PlanDeleter {
  void operator()(heed_plan *p) const { heed_plan_free(p); }
};
struct ModelDeleter {
  void operator()(heed_model *m) const { heed_model_free(m); }
};
struct TensorDeleter {
  void operator()(heed_tensor *t) const { heed_tensor_free(t); }
};
using TensorPtr = std::unique_ptr<heed_tensor, TensorDeleter>;

heed_dtype toC(DType d) { return (heed_dtype)d; }

/// Builds the one-node plan; returns the finalize status.
heed_status build(const std::string &kernel,
                  const std::vector<OutputSpec> &inputs,
                  const std::vector<io::HostTensor> *constants,
                  const std::vector<OutputSpec> &outputs,
                  const AttrSetter &attrs, heed_model **model) {
  heed_plan *raw = nullptr;
  EXPECT_EQ(heed_plan_create(&raw), HEED_OK);
  std::unique_ptr<heed_plan, PlanDeleter> plan(raw);
  std::vector<int32_t> in, out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    int32_t id;
    const OutputSpec &s = inputs[i];
    if (constants) {
      EXPECT_EQ(heed_plan_add_constant(plan.get(), toC(s.dtype),
                                       (int32_t)s.shape.size(), s.shape.data(),
                                       (*constants)[i].data.data(), &id),
                HEED_OK);
    } else {
      EXPECT_EQ(heed_plan_add_buffer(plan.get(), toC(s.dtype),
                                     (int32_t)s.shape.size(), s.shape.data(),
                                     HEED_AUTO_OFFSET, &id),
                HEED_OK);
      EXPECT_EQ(heed_plan_add_input(plan.get(),
                                    ("in" + std::to_string(i)).c_str(), id),
                HEED_OK);
    }
    in.push_back(id);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    int32_t id;
    const OutputSpec &s = outputs[i];
    EXPECT_EQ(heed_plan_add_buffer(plan.get(), toC(s.dtype),
                                   (int32_t)s.shape.size(), s.shape.data(),
                                   HEED_AUTO_OFFSET, &id),
              HEED_OK);
    EXPECT_EQ(heed_plan_add_output(plan.get(),
                                   ("out" + std::to_string(i)).c_str(), id),
              HEED_OK);
    out.push_back(id);
  }
  int32_t node;
  EXPECT_EQ(heed_plan_add_node(plan.get(), kernel.c_str(), in.data(),
                               (int32_t)in.size(), out.data(),
                               (int32_t)out.size(), &node),
            HEED_OK);
  if (attrs)
    attrs(plan.get(), node);
  return heed_plan_finalize(plan.get(), model);
}
} // namespace

std::vector<ref::Tensor> runKernel(const std::string &kernel,
                                   const std::vector<ref::Tensor> &inputs,
                                   const std::vector<OutputSpec> &outputs,
                                   const AttrSetter &attrs, int threads,
                                   bool asConstants) {
  std::vector<OutputSpec> inSpecs;
  std::vector<io::HostTensor> hostInputs;
  for (const ref::Tensor &t : inputs) {
    inSpecs.push_back({t.dtype, t.shape});
    hostInputs.push_back(ref::toHost(t));
  }
  heed_model *raw = nullptr;
  heed_status status =
      build(kernel, inSpecs, asConstants ? &hostInputs : nullptr, outputs,
            attrs, &raw);
  EXPECT_EQ(status, HEED_OK) << heed_last_error();
  if (status != HEED_OK)
    return {};
  std::unique_ptr<heed_model, ModelDeleter> model(raw);
  EXPECT_EQ(heed_model_set_threads(model.get(), threads), HEED_OK);

  std::vector<TensorPtr> in, out;
  std::vector<heed_tensor *> inRaw, outRaw;
  if (!asConstants)
    for (io::HostTensor &h : hostInputs) {
      heed_tensor *t = nullptr;
      EXPECT_EQ(heed_tensor_wrap(toC(h.dtype), (int32_t)h.shape.size(),
                                 h.shape.data(), h.data.data(), &t),
                HEED_OK);
      in.emplace_back(t);
      inRaw.push_back(t);
    }
  for (const OutputSpec &s : outputs) {
    heed_tensor *t = nullptr;
    EXPECT_EQ(heed_tensor_create(toC(s.dtype), (int32_t)s.shape.size(),
                                 s.shape.data(), &t),
              HEED_OK);
    out.emplace_back(t);
    outRaw.push_back(t);
  }
  status = heed_model_run(model.get(), inRaw.data(), (int32_t)inRaw.size(),
                          outRaw.data(), (int32_t)outRaw.size());
  EXPECT_EQ(status, HEED_OK) << heed_last_error();
  if (status != HEED_OK)
    return {};
  std::vector<ref::Tensor> results;
  for (size_t i = 0; i < outputs.size(); ++i) {
    io::HostTensor h;
    h.dtype = outputs[i].dtype;
    h.shape = outputs[i].shape;
    const uint8_t *data =
        static_cast<const uint8_t *>(heed_tensor_data(out[i].get()));
    h.data.assign(data, data + heed_tensor_nbytes(out[i].get()));
    results.push_back(ref::fromHost(h));
  }
  return results;
}

ref::Tensor runKernelInPlace(const std::string &kernel,
                             const std::vector<ref::Tensor> &inputs,
                             const AttrSetter &attrs, int threads) {
  heed_plan *rawPlan = nullptr;
  EXPECT_EQ(heed_plan_create(&rawPlan), HEED_OK);
  std::unique_ptr<heed_plan, PlanDeleter> plan(rawPlan);
  std::vector<io::HostTensor> host;
  std::vector<int32_t> ins;
  for (size_t i = 0; i < inputs.size(); ++i) {
    host.push_back(ref::toHost(inputs[i]));
    const io::HostTensor &h = host.back();
    int32_t id;
    EXPECT_EQ(heed_plan_add_buffer(plan.get(), toC(h.dtype),
                                   (int32_t)h.shape.size(), h.shape.data(),
                                   HEED_AUTO_OFFSET, &id),
              HEED_OK);
    EXPECT_EQ(
        heed_plan_add_input(plan.get(), ("in" + std::to_string(i)).c_str(), id),
        HEED_OK);
    ins.push_back(id);
  }
  const io::HostTensor &x = host[0];
  int32_t work, node;
  EXPECT_EQ(heed_plan_add_buffer(plan.get(), toC(x.dtype),
                                 (int32_t)x.shape.size(), x.shape.data(),
                                 HEED_AUTO_OFFSET, &work),
            HEED_OK);
  EXPECT_EQ(heed_plan_add_node(plan.get(), "copy", &ins[0], 1, &work, 1, &node),
            HEED_OK);
  ins[0] = work;
  EXPECT_EQ(heed_plan_add_node(plan.get(), kernel.c_str(), ins.data(),
                               (int32_t)ins.size(), &work, 1, &node),
            HEED_OK);
  if (attrs)
    attrs(plan.get(), node);
  EXPECT_EQ(heed_plan_add_output(plan.get(), "out", work), HEED_OK);
  heed_model *rawModel = nullptr;
  heed_status status = heed_plan_finalize(plan.get(), &rawModel);
  EXPECT_EQ(status, HEED_OK) << heed_last_error();
  if (status != HEED_OK)
    return {};
  std::unique_ptr<heed_model, ModelDeleter> model(rawModel);
  EXPECT_EQ(heed_model_set_threads(model.get(), threads), HEED_OK);
  std::vector<TensorPtr> owned;
  std::vector<heed_tensor *> in;
  for (io::HostTensor &h : host) {
    heed_tensor *t = nullptr;
    EXPECT_EQ(heed_tensor_wrap(toC(h.dtype), (int32_t)h.shape.size(),
                               h.shape.data(), h.data.data(), &t),
              HEED_OK);
    owned.emplace_back(t);
    in.push_back(t);
  }
  heed_tensor *rawOut = nullptr;
  EXPECT_EQ(heed_tensor_create(toC(x.dtype), (int32_t)x.shape.size(),
                               x.shape.data(), &rawOut),
            HEED_OK);
  TensorPtr out(rawOut);
  status =
      heed_model_run(model.get(), in.data(), (int32_t)in.size(), &rawOut, 1);
  EXPECT_EQ(status, HEED_OK) << heed_last_error();
  if (status != HEED_OK)
    return {};
  io::HostTensor result;
  result.dtype = x.dtype;
  result.shape = x.shape;
  const uint8_t *data = static_cast<const uint8_t *>(heed_tensor_data(rawOut));
  result.data.assign(data, data + heed_tensor_nbytes(rawOut));
  return ref::fromHost(result);
}

std::pair<heed_status, std::string>
finalizeKernel(const std::string &kernel, const std::vector<OutputSpec> &inputs,
               const std::vector<OutputSpec> &outputs,
               const AttrSetter &attrs) {
  heed_model *model = nullptr;
  heed_status status = build(kernel, inputs, nullptr, outputs, attrs, &model);
  std::string message = status == HEED_OK ? "" : heed_last_error();
  heed_model_free(model);
  return {status, message};
}

void expectFinalizeError(const std::string &kernel,
                         const std::vector<OutputSpec> &inputs,
                         const std::vector<OutputSpec> &outputs,
                         const AttrSetter &attrs, heed_status status,
                         const std::string &message) {
  auto [actualStatus, actualMessage] =
      finalizeKernel(kernel, inputs, outputs, attrs);
  EXPECT_EQ(actualStatus, status) << actualMessage;
  EXPECT_EQ(actualMessage, message);
}

double relativeError(const ref::Tensor &actual, const ref::Tensor &expected) {
  double maxDiff = 0, maxRef = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    double a = actual.data[i], e = expected.data[i];
    if (std::isnan(e) || std::isnan(a)) {
      if (std::isnan(e) != std::isnan(a))
        return INFINITY;
      continue;
    }
    if (std::isinf(e) || std::isinf(a)) {
      if (a != e)
        return INFINITY;
      continue;
    }
    maxDiff = std::max(maxDiff, std::fabs(a - e));
    maxRef = std::max(maxRef, std::fabs(e));
  }
  return maxDiff / std::max(maxRef, 1e-30);
}

std::vector<float> randomFloats(int64_t n, uint64_t seed) {
  std::vector<float> x(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 7;
  for (auto &v : x) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    v = (float)((double)(s >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
  }
  return x;
}

ref::Tensor randomTensor(DType dtype, const ref::Shape &shape, uint64_t seed) {
  std::vector<double> data((size_t)ref::numElements(shape));
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (double &v : data) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    v = (double)(state >> 11) * 0x1.0p-53 * 2.0 - 1.0;
  }
  return ref::Tensor(dtype, shape, std::move(data));
}

} // namespace heed::test
