//===- OneDnn.h - oneDNN engine, streams, primitive cache -------*- C++ -*-===//
//
// oneDNN primitives are created once per shape and kept in a process-wide,
// thread-safe cache keyed by a string that describes the primitive (kind,
// shapes, dtypes, attributes). Kernels create theirs at plan finalization;
// executing a primitive concurrently from several TBB workers is safe, each
// on its own thread-local stream. The executor keeps oneDNN's own OpenMP
// threading at one thread (Executor.h).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_ONEDNN_H
#define HEED_RUNTIME_KERNELS_ONEDNN_H

#include "Kernel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <string>

namespace heed::rt {

/// The CPU engine.
dnnl::engine &cpuEngine();

/// A stream on the CPU engine for the calling thread.
dnnl::stream &threadStream();

/// The primitive cached under \p key, created by \p make on first use.
/// Failures inside \p make (dnnl::error) become HEED_ERROR_INTERNAL errors
/// naming the key.
dnnl::primitive cachedPrimitive(const std::string &key,
                                const std::function<dnnl::primitive()> &make);

/// Number of primitives in the cache (for tests).
size_t primitiveCacheSize();

/// oneDNN's data type for \p dtype.
dnnl::memory::data_type toDnnl(heed_dtype dtype);

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_ONEDNN_H
