//===- KernelAttrs.h - Kernels' attributes, checked and typed ---*- C++ -*-===//
//
// A node's attributes are checked against the kernel table
// (runtime/kernels/Kernels.td, heed/KernelSpec.h) before its kernel is
// created: an attribute the kernel does not declare, one of the wrong type
// (a float for an integer, a list where one integer is expected), a flag
// other than 0 or 1, an enum value outside its cases, or a missing required
// attribute fails with HEED_ERROR_INVALID_ARGUMENT naming the kernel and
// the attribute. Kernels then read them through the generated structs
// (`AttentionAttrs::read(sig.attrs)`), one per attribute set of the table,
// never by name.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELATTRS_H
#define HEED_RUNTIME_KERNELATTRS_H

#include "Kernel.h"

#include "heed/KernelSpec.h"

#include <optional>
#include <vector>

namespace heed::rt {

#include "KernelAttrs.inc"

/// Checks \p attrs against \p spec (see the file comment); throws Error.
void checkAttributes(const KernelSpec &spec, const Attrs &attrs);

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELATTRS_H
