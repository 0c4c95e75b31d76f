//===- KernelTable.h - What the compiler knows about runtime kernels -*- C++
//-*-===//
//
// The libheedrt kernels a heedrt.kernel op may name, with the facts the
// lowering and the memory planner need: which element types a kernel
// computes in natively, and which inputs its output may overwrite in place.
// docs/runtime.md and the comment at the top of each kernel family file in
// runtime/kernels/cpu/ are the full contracts; this table must agree with
// them (test/e2e/compiled/all_ops_*.heed compile every op of the language
// and compare the kernels with the reference interpreter).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DIALECTS_HEEDRT_KERNELTABLE_H
#define HEED_DIALECTS_HEEDRT_KERNELTABLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace heed::heedrt {

/// Element types a kernel handles besides f32.
enum class KernelDTypes {
  /// f32 only (floats); other float types are computed in f32 by casts.
  /// Integer and i1 operands are passed as they are (to the kernels that
  /// take them: comparisons, where, neg/abs, not/and/or, iota).
  F32,
  /// Arithmetic on numbers: f32, i64 and i32 (add ... pow, reductions,
  /// top_k). f16, bf16 and i1 are computed in f32 by casts; for i1 that is
  /// exact, on 0 and 1 with the result rounded back as x != 0, as the
  /// reference does.
  Numeric,
  /// f32, and bf16 with f32 accumulation (matmul, linear, attention).
  F32OrBF16,
  /// Moves bytes: every dtype (copy, transpose, concat, ...).
  Any,
};

/// One runtime kernel.
struct KernelInfo {
  llvm::StringLiteral name;
  KernelDTypes dtypes;
  /// Bit i set: output 0 may be the very bytes of input i when both have
  /// the same type and the input is not read afterwards (the kernel reads
  /// each element, or each row, before writing it).
  uint32_t inPlaceInputs;
};

/// The kernel called \p name, or null when libheedrt has none.
const KernelInfo *lookupKernel(llvm::StringRef name);

/// Every kernel, in the order of docs/runtime.md.
llvm::ArrayRef<KernelInfo> allKernels();

} // namespace heed::heedrt

#endif // HEED_DIALECTS_HEEDRT_KERNELTABLE_H
