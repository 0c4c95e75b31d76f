//===- Kernel.h - The interface every runtime kernel implements -*- C++ -*-===//

#ifndef HEED_RUNTIME_KERNEL_H
#define HEED_RUNTIME_KERNEL_H

#include "heed/runtime.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace heed::rt {

/// dtype and shape of a buffer as a kernel sees it.
struct TensorDesc {
  heed_dtype dtype = HEED_F32;
  std::vector<int64_t> shape;
  int64_t numel() const;
  size_t nbytes() const;
  int64_t rank() const { return (int64_t)shape.size(); }
  int64_t dim(int64_t d) const { return shape[d < 0 ? d + rank() : d]; }
  std::string str() const; ///< "f32[2, 3]"
};

/// Size in bytes of one element.
size_t dtypeBytes(heed_dtype dtype);

/// A node's attributes, set with heed_plan_set_int/ints/float. An integer is
/// a list of one (heed_plan_set_int(n, v) and heed_plan_set_ints with one
/// value are the same). Kernels read them through the typed structs of
/// KernelAttrs.h, after checkAttributes accepted them.
class Attrs {
public:
  void setInt(const std::string &name, int64_t v) { ints[name] = {v}; }
  void setInts(const std::string &name, std::vector<int64_t> v) {
    ints[name] = std::move(v);
  }
  void setFloat(const std::string &name, double v) { floats[name] = v; }
  bool has(const std::string &name) const {
    return ints.count(name) || floats.count(name);
  }
  /// The integer attribute \p name; \p dflt when absent, or an error naming
  /// the kernel when there is no default.
  int64_t getInt(const std::string &name,
                 std::optional<int64_t> dflt = std::nullopt) const;
  std::vector<int64_t>
  getInts(const std::string &name,
          std::optional<std::vector<int64_t>> dflt = std::nullopt) const;
  double getFloat(const std::string &name,
                  std::optional<double> dflt = std::nullopt) const;
  /// Calls \p fn(name, values) for every integer attribute.
  template <typename Fn> void forEachInts(Fn &&fn) const {
    for (const auto &[name, values] : ints)
      fn(name, values);
  }
  /// Calls \p fn(name, value) for every float attribute.
  template <typename Fn> void forEachFloat(Fn &&fn) const {
    for (const auto &[name, value] : floats)
      fn(name, value);
  }
  std::string kernel; ///< for messages

private:
  std::map<std::string, std::vector<int64_t>> ints;
  std::map<std::string, double> floats;
};

/// What a kernel factory sees when the plan is finalized.
struct KernelSignature {
  std::string kernel;
  std::vector<TensorDesc> inputs;
  std::vector<TensorDesc> outputs;
  const Attrs &attrs;
  /// For each input, its data when the input is a plan constant (weights,
  /// which never change), else null: kernels may prepare from it once at
  /// finalization, e.g. convert a weight layout.
  std::vector<const void *> constants;
  /// The kernel this one replaces: the same node created for other sizes
  /// (a plan with bounded dimensions), or null. A factory may share what it
  /// prepared from constants (packed weights) instead of preparing it again.
  const class Kernel *previous = nullptr;

  /// Fails with HEED_ERROR_INVALID_ARGUMENT unless the node has \p nIn
  /// inputs (or between \p nIn and \p maxIn) and \p nOut outputs.
  void expectArity(size_t nIn, size_t nOut, size_t maxIn = 0) const;
  /// Fails with HEED_ERROR_DTYPE unless input/output \p i has \p dtype.
  void expectInputDType(size_t i, heed_dtype dtype) const;
  void expectOutputDType(size_t i, heed_dtype dtype) const;
  /// Fails with HEED_ERROR_SHAPE: "<kernel>: <message>".
  [[noreturn]] void shapeError(const std::string &message) const;
};

/// A kernel instance for one node: created once at finalize (where it checks
/// its signature and prepares primitives), run many times.
/// Per-thread scratch slots (threadScratch in kernels/cpu/OneDnn.h).
constexpr unsigned kThreadScratchSlots = 4;

class Kernel {
public:
  virtual ~Kernel() = default;
  /// Computes outputs from inputs. Called inside the model's task arena, so
  /// tbb::parallel_for inside uses the model's threads. Must split work on a
  /// grid that does not depend on the thread count.
  virtual void run(const void *const *inputs, void *const *outputs) = 0;
  /// Scratch memory this kernel allocates per run, for memory accounting.
  virtual size_t scratchBytes() const { return 0; }
  /// Bytes a run of this kernel takes from each per-thread scratch slot
  /// (threadScratch) on whichever thread runs its tasks. The executor
  /// reserves the largest over its kernels on every worker when it is
  /// created, so that runs allocate nothing.
  virtual std::array<size_t, kThreadScratchSlots> threadScratchBytes() const {
    return {};
  }
  /// True when the kernel made its own copy of constant input \p input at
  /// finalization (weights packed for its GEMM) and never reads the
  /// original again. When every reader of a constant says so, the runtime
  /// lets the OS drop the original's pages (releaseCopiedConstants).
  virtual bool copiedConstant(size_t input) const { return false; }
  /// Attention kernels that skip tiles of their scores (causal, window and
  /// block structure): Lq * Lk flags, 1 where the (query, key) pair lies in
  /// a skipped tile. Empty when the kernel skips nothing.
  virtual std::vector<uint8_t> skippedPairs() const { return {}; }
};

using KernelFactory =
    std::function<std::unique_ptr<Kernel>(const KernelSignature &)>;

/// Creates the kernel named \p sig.kernel after checking its attributes
/// against the kernel table (KernelAttrs.h), or fails with
/// HEED_ERROR_UNKNOWN_KERNEL.
std::unique_ptr<Kernel> createKernel(const KernelSignature &sig);

/// The names of all kernels, sorted (for messages and docs).
std::vector<std::string> kernelNames();

/// Registration, called once by the registry for each kernel family; every
/// name must be declared in runtime/kernels/Kernels.td.
void registerKernel(const std::string &name, KernelFactory factory);

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNEL_H
