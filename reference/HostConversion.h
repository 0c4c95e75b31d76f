//===- HostConversion.h - Tensor <-> io::HostTensor -------------*- C++ -*-===//
//
// Converts between the reference interpreter's tensors (Scalar) and the
// raw little-endian bytes of files and of the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_REFERENCE_HOSTCONVERSION_H
#define HEED_REFERENCE_HOSTCONVERSION_H

#include "Tensor.h"

#include "heed/io/HostTensor.h"

namespace heed::ref {

/// Reads raw elements into Scalars (i64 exactly).
Tensor fromHost(const io::HostTensor &t);
/// Rounds each element to the dtype and stores it as raw bytes.
io::HostTensor toHost(const Tensor &t);

} // namespace heed::ref

#endif // HEED_REFERENCE_HOSTCONVERSION_H
