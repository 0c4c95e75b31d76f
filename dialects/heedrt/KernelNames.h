//===- KernelNames.h - Kernel and attribute names, checked ------*- C++ -*-===//
//
// The compiler names runtime kernels and their attributes through these
// macros, which check the name against the kernel table
// (runtime/kernels/Kernels.td, heed/KernelSpec.h) while the compiler is
// built: a misspelt kernel or attribute is a compile error, never a plan
// that the runtime rejects.
//
//   builder.create<KernelOp>(loc, HEED_KERNEL("softmax"), ...);
//   params.append(HEED_KERNEL_ATTR("attention", "window"), ...);
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DIALECTS_HEEDRT_KERNELNAMES_H
#define HEED_DIALECTS_HEEDRT_KERNELNAMES_H

#include "heed/KernelSpec.h"

#include "llvm/ADT/StringRef.h"

/// The kernel called \p name (a string literal), as an llvm::StringLiteral.
#define HEED_KERNEL(name)                                                      \
  ([]() constexpr {                                                            \
    static_assert(::heed::hasKernelSpec(name),                                 \
                  "runtime/kernels/Kernels.td declares no kernel " name);      \
    return ::llvm::StringLiteral(name);                                        \
  }())

/// Attribute \p attrName of kernel \p kernelName (string literals), as an
/// llvm::StringLiteral.
#define HEED_KERNEL_ATTR(kernelName, attrName)                                 \
  ([]() constexpr {                                                            \
    static_assert(::heed::hasKernelSpec(kernelName, attrName),                 \
                  "runtime/kernels/Kernels.td declares no attribute " attrName \
                  " of kernel " kernelName);                                   \
    return ::llvm::StringLiteral(attrName);                                    \
  }())

#endif // HEED_DIALECTS_HEEDRT_KERNELNAMES_H
