//===- KernelTable.cpp - What the compiler knows about runtime kernels ----===//

#include "heedrt/KernelTable.h"

#include "llvm/ADT/STLExtras.h"

using namespace heed::heedrt;

namespace {
constexpr uint32_t kNone = 0, kFirst = 1, kAll = ~0u;
using D = KernelDTypes;

const KernelInfo kKernels[] = {
    // Elementwise.cpp: element i is read before element i is written.
    {"exp", D::F32, kFirst},
    {"log", D::F32, kFirst},
    {"sqrt", D::F32, kFirst},
    {"rsqrt", D::F32, kFirst},
    {"neg", D::F32, kFirst},
    {"abs", D::F32, kFirst},
    {"tanh", D::F32, kFirst},
    {"sigmoid", D::F32, kFirst},
    {"relu", D::F32, kFirst},
    {"gelu", D::F32, kFirst},
    {"silu", D::F32, kFirst},
    {"not", D::F32, kFirst},
    {"add", D::Numeric, kAll},
    {"sub", D::Numeric, kAll},
    {"mul", D::Numeric, kAll},
    {"div", D::Numeric, kAll},
    {"maximum", D::Numeric, kAll},
    {"minimum", D::Numeric, kAll},
    {"pow", D::Numeric, kAll},
    {"and", D::F32, kAll},
    {"or", D::F32, kAll},
    {"eq", D::F32, kNone},
    {"ne", D::F32, kNone},
    {"lt", D::F32, kNone},
    {"le", D::F32, kNone},
    {"gt", D::F32, kNone},
    {"ge", D::F32, kNone},
    {"where", D::F32, kAll},
    // Matmul.cpp
    {"matmul", D::F32OrBF16, kNone},
    {"linear", D::F32OrBF16, kNone},
    // Normalization.cpp: each row is read completely before it is written.
    {"softmax", D::F32, kFirst},
    {"log_softmax", D::F32, kFirst},
    {"layer_norm", D::F32, kFirst},
    {"rms_norm", D::F32, kFirst},
    {"batch_norm", D::F32, kFirst},
    // Reduction.cpp
    {"reduce_sum", D::Numeric, kNone},
    {"reduce_mean", D::Numeric, kNone},
    {"reduce_max", D::Numeric, kNone},
    {"reduce_min", D::Numeric, kNone},
    {"top_k", D::Numeric, kNone},
    // DataMovement.cpp
    {"copy", D::Any, kNone},
    {"transpose", D::Any, kNone},
    {"broadcast_to", D::Any, kNone},
    {"concat", D::Any, kNone},
    {"split", D::Any, kNone},
    {"slice", D::Any, kNone},
    {"gather", D::Any, kNone},
    {"embedding", D::Any, kNone},
    {"iota", D::F32, kNone}, // i64, i32, f32
    {"cast", D::Any, kNone},
    {"tril", D::Any, kNone},
    {"triu", D::Any, kNone},
    {"fill", D::Any, kNone},
    // Recurrent.cpp
    {"lstm", D::F32, kNone},
    {"gru", D::F32, kNone},
    // Conv.cpp
    {"conv2d", D::F32, kNone},
    {"max_pool2d", D::F32, kNone},
    {"avg_pool2d", D::F32, kNone},
    {"global_avg_pool", D::F32, kNone},
    // FlashAttention.cpp, AdditiveAttention.cpp
    {"attention", D::F32OrBF16, kNone},
    {"additive_attention", D::F32, kNone},
};
} // namespace

const KernelInfo *heed::heedrt::lookupKernel(llvm::StringRef name) {
  for (const KernelInfo &k : kKernels)
    if (k.name == name)
      return &k;
  return nullptr;
}

llvm::ArrayRef<KernelInfo> heed::heedrt::allKernels() { return kKernels; }
