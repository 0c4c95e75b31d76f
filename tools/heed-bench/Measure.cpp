//===- Measure.cpp - Inputs, outputs and timed runs of a variant ----------===//

#include "Measure.h"

#include "heed/io/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

namespace heed::bench {

namespace {
std::vector<int64_t> shapeVector(int32_t rank, const int64_t *shape) {
  return std::vector<int64_t>(shape, shape + rank);
}
} // namespace

InputSet InputSet::draw(const CompiledVariant &variant, uint64_t seed) {
  InputSet set;
  int32_t n = heed_model_num_inputs(variant.model);
  for (int32_t i = 0; i < n; ++i) {
    const char *name;
    heed_dtype dtype;
    int32_t rank;
    const int64_t *shape;
    heed_model_input(variant.model, i, &name, &dtype, &rank, &shape);
    int64_t bound =
        (size_t)i < variant.inputBounds.size() && variant.inputBounds[i] > 0
            ? variant.inputBounds[i]
            : 2;
    set.byName[name] = io::randomTensor(name, (DType)dtype,
                                        shapeVector(rank, shape), seed, bound);
  }
  return set;
}

const io::HostTensor *InputSet::find(const std::string &name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &it->second;
}

bool InputSet::bind(const heed_model *model,
                    std::vector<const void *> &pointers,
                    std::string &error) const {
  pointers.clear();
  int32_t n = heed_model_num_inputs(model);
  for (int32_t i = 0; i < n; ++i) {
    const char *name;
    heed_dtype dtype;
    int32_t rank;
    const int64_t *shape;
    heed_model_input(model, i, &name, &dtype, &rank, &shape);
    auto it = byName.find(name);
    // A model with bounded dimensions checks the sizes when it runs.
    bool anyShape = heed_model_num_dims(model) > 0;
    if (it == byName.end() || it->second.dtype != (DType)dtype ||
        (!anyShape && it->second.shape != shapeVector(rank, shape))) {
      error = std::string("input '") + name +
              "' differs between the variants (" +
              io::shapeToString(shapeVector(rank, shape)) + ")";
      return false;
    }
    pointers.push_back(it->second.data.data());
  }
  return true;
}

TimeStats summarize(std::vector<double> timesMs) {
  TimeStats stats;
  if (timesMs.empty())
    return stats;
  std::sort(timesMs.begin(), timesMs.end());
  size_t n = timesMs.size();
  stats.medianMs =
      n % 2 ? timesMs[n / 2] : (timesMs[n / 2 - 1] + timesMs[n / 2]) / 2;
  stats.minMs = timesMs.front();
  stats.maxMs = timesMs.back();
  stats.runs = (unsigned)n;
  return stats;
}

bool TimedModel::create(const CompiledVariant &variant, const InputSet &inputs,
                        TimedModel &out, std::string &error) {
  out.model = variant.model;
  if (!inputs.bind(variant.model, out.inputPointers, error))
    return false;
  int32_t n = heed_model_num_outputs(variant.model);
  if (heed_model_num_dims(variant.model) > 0)
    return out.createBounded(inputs, error);
  out.outputs.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    const char *name;
    heed_dtype dtype;
    int32_t rank;
    const int64_t *shape;
    heed_model_output(variant.model, i, &name, &dtype, &rank, &shape);
    io::HostTensor &t = out.outputs[i];
    t.dtype = (DType)dtype;
    t.shape = shapeVector(rank, shape);
    t.data.assign(t.nbytes(), 0);
    out.outputNames.push_back(name);
    out.outputPointers.push_back(t.data.data());
  }
  return true;
}

void TimedModel::TensorDeleter::operator()(heed_tensor *t) const {
  heed_tensor_free(t);
}

bool TimedModel::createBounded(const InputSet &inputs, std::string &error) {
  bounded = true;
  int32_t numIn = heed_model_num_inputs(model),
          numOut = heed_model_num_outputs(model);
  // The inputs' sizes give the outputs' (heed_model_run_alloc): one untimed
  // run creates them, and the timed runs write into their bytes.
  for (int32_t i = 0; i < numIn; ++i) {
    const char *name;
    heed_dtype dtype;
    heed_model_input(model, i, &name, &dtype, nullptr, nullptr);
    const io::HostTensor &t = *inputs.find(name); // bind found it
    heed_tensor *w = nullptr;
    if (heed_tensor_wrap(dtype, (int32_t)t.shape.size(), t.shape.data(),
                         const_cast<uint8_t *>(t.data.data()), &w) != HEED_OK) {
      error = heed_last_error();
      return false;
    }
    inputTensors.emplace_back(w);
  }
  std::vector<heed_tensor *> in, made(numOut, nullptr);
  for (const auto &t : inputTensors)
    in.push_back(t.get());
  if (heed_model_run_alloc(model, in.data(), numIn, made.data(), numOut) !=
      HEED_OK) {
    error = heed_last_error();
    return false;
  }
  for (int32_t i = 0; i < numOut; ++i) {
    outputTensors.emplace_back(made[i]);
    const char *name;
    heed_model_output(model, i, &name, nullptr, nullptr, nullptr);
    outputNames.push_back(name);
  }
  outputs.resize(numOut);
  for (int32_t i = 0; i < numOut; ++i) {
    heed_tensor *t = made[i];
    io::HostTensor &h = outputs[i];
    h.dtype = (DType)heed_tensor_dtype(t);
    h.shape = shapeVector(heed_tensor_rank(t), heed_tensor_shape(t));
    h.data.assign(h.nbytes(), 0);
    // The timed runs write into h's bytes, through a tensor over them.
    heed_tensor *w = nullptr;
    if (heed_tensor_wrap((heed_dtype)h.dtype, (int32_t)h.shape.size(),
                         h.shape.data(), h.data.data(), &w) != HEED_OK) {
      error = heed_last_error();
      return false;
    }
    outputTensors[i].reset(w);
  }
  return true;
}

bool TimedModel::run(bool record, std::string &error) {
  std::vector<heed_tensor *> in, out;
  for (const auto &t : inputTensors)
    in.push_back(t.get());
  for (const auto &t : outputTensors)
    out.push_back(t.get());
  auto start = std::chrono::steady_clock::now();
  heed_status status =
      bounded ? heed_model_run(model, in.data(), (int32_t)in.size(), out.data(),
                               (int32_t)out.size())
              : heed_model_run_data(model, inputPointers.data(),
                                    outputPointers.data());
  auto end = std::chrono::steady_clock::now();
  if (status != HEED_OK) {
    error = heed_last_error();
    return false;
  }
  if (record)
    timesMs.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  return true;
}

double maxRelativeDifference(const TimedModel &a, const TimedModel &b) {
  double worst = 0;
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    auto it =
        std::find(b.outputNames.begin(), b.outputNames.end(), a.outputNames[i]);
    if (it == b.outputNames.end())
      continue;
    const io::HostTensor &x = a.outputs[i];
    const io::HostTensor &y = b.outputs[it - b.outputNames.begin()];
    if (x.dtype != DType::F32 || y.dtype != DType::F32 || x.shape != y.shape)
      continue;
    const float *p = reinterpret_cast<const float *>(x.data.data());
    const float *q = reinterpret_cast<const float *>(y.data.data());
    double diff = 0, scale = 0;
    for (int64_t k = 0; k < x.numel(); ++k) {
      if (std::isnan(p[k]) != std::isnan(q[k]))
        return NAN;
      if (std::isnan(p[k]))
        continue;
      diff = std::max(diff, (double)std::fabs(p[k] - q[k]));
      scale = std::max(scale, (double)std::fabs(p[k]));
    }
    worst = std::max(worst, scale > 0 ? diff / scale : diff);
  }
  return worst;
}

} // namespace heed::bench
