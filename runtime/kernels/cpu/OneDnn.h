//===- OneDnn.h - oneDNN engine, streams, primitive cache -------*- C++ -*-===//
//
// oneDNN primitives are created once per shape and kept in a process-wide,
// thread-safe cache keyed by a string that describes the primitive (kind,
// shapes, dtypes, attributes). Kernels create theirs at plan finalization
// and execute them from TBB workers, each on its own thread-local stream and
// with a user-managed scratchpad in a per-thread buffer (see
// userScratchpadAttr). The executor keeps oneDNN's own OpenMP threading at
// one thread (Executor.h).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_ONEDNN_H
#define HEED_RUNTIME_KERNELS_ONEDNN_H

#include "Kernel.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <string>
#include <unordered_map>

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

/// A 64-byte-aligned buffer of at least \p bytes owned by the calling
/// thread, one per \p slot (0 to kScratchSlots - 1), reused across calls and
/// freed when the thread exits. Slot 0 holds oneDNN scratchpads.
constexpr unsigned kScratchSlots = kThreadScratchSlots;
void *threadScratch(unsigned slot, size_t bytes);

/// Primitive attributes with a user-managed scratchpad. oneDNN as Debian
/// builds it keeps a primitive's library-managed scratchpad in a
/// thread_local of the thread that created the primitive, so executing the
/// primitive on another thread (a TBB worker) dereferences null. Every
/// primitive of libheedrt is therefore created with this attribute (or
/// sets the mode itself) and executed with addScratchpad().
dnnl::primitive_attr userScratchpadAttr();

/// The scratchpad descriptor of \p p (zero-sized when it needs none).
dnnl::memory::desc scratchpadDesc(const dnnl::primitive &p);

/// Adds the calling thread's slot-0 buffer as the scratchpad (\p md) to
/// \p args; nothing when \p md is zero-sized.
void addScratchpad(const dnnl::memory::desc &md,
                   std::unordered_map<int, dnnl::memory> &args);

/// Runs oneDNN single-threaded on the calling thread while it lives (and
/// restores the thread's OpenMP setting after): for primitives executed
/// outside the executor, such as packing weights at finalization, whose
/// OpenMP workers would otherwise keep spinning beside the model's TBB
/// workers after the last parallel region (measured: a 4 s BERT-base load
/// and a 4x slower first run).
class OneDnnSingleThread {
public:
  OneDnnSingleThread();
  ~OneDnnSingleThread();
  OneDnnSingleThread(const OneDnnSingleThread &) = delete;
  OneDnnSingleThread &operator=(const OneDnnSingleThread &) = delete;

private:
  int saved;
};

/// oneDNN's data type for \p dtype.
dnnl::memory::data_type toDnnl(heed_dtype dtype);

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_ONEDNN_H
