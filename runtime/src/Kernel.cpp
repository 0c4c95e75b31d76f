//===- Kernel.cpp - Kernel descriptions, attributes and the registry ------===//

#include "Kernel.h"
#include "Error.h"
#include "KernelAttrs.h"

#include <algorithm>
#include <mutex>

namespace heed::rt {

size_t dtypeBytes(heed_dtype dtype) {
  switch (dtype) {
  case HEED_F32:
  case HEED_I32:
    return 4;
  case HEED_F16:
  case HEED_BF16:
    return 2;
  case HEED_I64:
    return 8;
  case HEED_I1:
    return 1;
  }
  return 0;
}

int64_t TensorDesc::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t TensorDesc::nbytes() const { return numel() * dtypeBytes(dtype); }

std::string TensorDesc::str() const {
  return describe(dtype, shape.data(), (int32_t)shape.size());
}

int64_t Attrs::getInt(const std::string &name,
                      std::optional<int64_t> dflt) const {
  auto it = ints.find(name);
  if (it == ints.end()) {
    if (dflt)
      return *dflt;
    fail(HEED_ERROR_INVALID_ARGUMENT,
         kernel + ": missing integer attribute '" + name + "'");
  }
  if (it->second.size() != 1)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         kernel + ": attribute '" + name + "' must be one integer");
  return it->second[0];
}

std::vector<int64_t>
Attrs::getInts(const std::string &name,
               std::optional<std::vector<int64_t>> dflt) const {
  auto it = ints.find(name);
  if (it == ints.end()) {
    if (dflt)
      return *dflt;
    fail(HEED_ERROR_INVALID_ARGUMENT,
         kernel + ": missing attribute '" + name + "'");
  }
  return it->second;
}

double Attrs::getFloat(const std::string &name,
                       std::optional<double> dflt) const {
  auto it = floats.find(name);
  if (it == floats.end()) {
    if (dflt)
      return *dflt;
    fail(HEED_ERROR_INVALID_ARGUMENT,
         kernel + ": missing float attribute '" + name + "'");
  }
  return it->second;
}

void KernelSignature::expectArity(size_t nIn, size_t nOut, size_t maxIn) const {
  size_t hi = std::max(nIn, maxIn);
  if (inputs.size() < nIn || inputs.size() > hi || outputs.size() != nOut)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         kernel + ": expected " + std::to_string(nIn) +
             (hi != nIn ? "-" + std::to_string(hi) : "") + " inputs and " +
             std::to_string(nOut) + " outputs, got " +
             std::to_string(inputs.size()) + " and " +
             std::to_string(outputs.size()));
}

static const char *dtypeName(heed_dtype d) {
  static const char *names[] = {"f32", "f16", "bf16", "i64", "i32", "i1"};
  return (unsigned)d < 6 ? names[d] : "?";
}

void KernelSignature::expectInputDType(size_t i, heed_dtype dtype) const {
  if (inputs[i].dtype != dtype)
    fail(HEED_ERROR_DTYPE, kernel + ": input " + std::to_string(i) +
                               " must be " + dtypeName(dtype) + ", got " +
                               inputs[i].str());
}

void KernelSignature::expectOutputDType(size_t i, heed_dtype dtype) const {
  if (outputs[i].dtype != dtype)
    fail(HEED_ERROR_DTYPE, kernel + ": output " + std::to_string(i) +
                               " must be " + dtypeName(dtype) + ", got " +
                               outputs[i].str());
}

void KernelSignature::shapeError(const std::string &message) const {
  fail(HEED_ERROR_SHAPE, kernel + ": " + message);
}

std::string describe(heed_dtype dtype, const int64_t *shape, int32_t rank) {
  std::string s = dtypeName(dtype);
  s += "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

void registerAllKernels(); // Registry.cpp

namespace {
std::map<std::string, KernelFactory> &registry() {
  static std::map<std::string, KernelFactory> r;
  return r;
}
std::once_flag registered;
void ensureRegistered() { std::call_once(registered, registerAllKernels); }
} // namespace

void registerKernel(const std::string &name, KernelFactory factory) {
  if (!lookupKernelSpec(name))
    fail(HEED_ERROR_INTERNAL, "kernel '" + name +
                                  "' is registered but not declared in "
                                  "runtime/kernels/Kernels.td");
  registry()[name] = std::move(factory);
}

std::unique_ptr<Kernel> createKernel(const KernelSignature &sig) {
  ensureRegistered();
  auto it = registry().find(sig.kernel);
  if (it == registry().end())
    fail(HEED_ERROR_UNKNOWN_KERNEL, "unknown kernel '" + sig.kernel + "'");
  checkAttributes(*lookupKernelSpec(sig.kernel), sig.attrs);
  return it->second(sig);
}

std::vector<std::string> kernelNames() {
  ensureRegistered();
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.first);
  return names;
}

} // namespace heed::rt
