//===- HeedrtPlanMemory.cpp - Arena offsets from liveness -----------------===//
//
// Every arena buffer is live from its first use to its last use (through
// views) in program order; inputs from the start, outputs to the end. A
// kernel output may take over the bytes of an input that dies at that
// kernel (in place) when the kernel table allows it; a state's buffer may
// be taken over by its own next value (computed in place), by nothing else,
// and keeps its bytes to the end of the run. Buffers are
// then placed largest first, each at the lowest 64-byte-aligned offset that
// overlaps no already placed buffer with an overlapping interval (greedy by
// size: close to optimal on the chain-like graphs of models). The placed
// buffers that overlap a new one in time are found through an index over the
// program positions (PlacedIndex), so placing n buffers costs O(n log n) plus
// the pairs of buffers that are live together: a 100,000-kernel chain plans in
// well under a second.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "heed/KernelSpec.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

namespace heed {
#define GEN_PASS_DEF_HEEDRTPLANMEMORY
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

namespace {

constexpr int64_t kAlign = 64;

int64_t alignUp(int64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

struct Interval {
  int64_t begin = std::numeric_limits<int64_t>::max();
  int64_t end = -1;
  void extend(int64_t at) {
    begin = std::min(begin, at);
    end = std::max(end, at);
  }
};

/// The buffers placed so far, by live interval over program positions
/// [0, positions): which of them are live at some position of a new buffer's
/// interval. Those that cover the interval's first position are found by a
/// stabbing query of a segment tree (each placed interval stored at the
/// O(log n) nodes that cover it); those that begin inside it, by their first
/// position.
class PlacedIndex {
public:
  explicit PlacedIndex(int64_t positions)
      : size(std::max<int64_t>(1, positions)), covering(4 * size) {}

  /// Records placed buffer \p id, live over \p interval.
  void insert(int32_t id, const Interval &interval) {
    insert(1, 0, size - 1, interval.begin, interval.end, id);
    starts.insert({interval.begin, id});
  }

  /// Calls \p fn(id) once for each placed buffer whose interval overlaps
  /// \p interval.
  template <typename Fn> void forOverlapping(const Interval &interval, Fn fn) {
    int64_t at = interval.begin;
    for (int64_t node = 1, lo = 0, hi = size - 1;;) {
      for (int32_t id : covering[node])
        fn(id); // begins at or before `at`, ends at or after it
      if (lo == hi)
        break;
      int64_t mid = (lo + hi) / 2;
      if (at <= mid) {
        node = 2 * node;
        hi = mid;
      } else {
        node = 2 * node + 1;
        lo = mid + 1;
      }
    }
    for (auto it = starts.upper_bound(interval.begin);
         it != starts.end() && it->first <= interval.end; ++it)
      fn(it->second);
  }

private:
  int64_t size;
  std::vector<std::vector<int32_t>> covering; ///< segment tree nodes
  std::multimap<int64_t, int32_t> starts;     ///< placed buffers by first use

  void insert(int64_t node, int64_t lo, int64_t hi, int64_t begin, int64_t end,
              int32_t id) {
    if (end < lo || hi < begin)
      return;
    if (begin <= lo && hi <= end) {
      covering[node].push_back(id);
      return;
    }
    int64_t mid = (lo + hi) / 2;
    insert(2 * node, lo, mid, begin, end, id);
    insert(2 * node + 1, mid + 1, hi, begin, end, id);
  }
};

/// Lets output 0 of \p kernel reuse the buffer of an input that dies there.
/// \p lastUse gives each arena buffer's last use so far; \p inputBuffers
/// are the buffers of the model's inputs; \p stateReads and \p stateNexts
/// name the state whose value at the start of the run, or for the next run,
/// a buffer holds.
void tryInPlace(KernelOp kernel, const DenseMap<Operation *, int64_t> &lastUse,
                const DenseMap<Operation *, int64_t> &position,
                const DenseSet<Operation *> &inputBuffers,
                const DenseMap<Operation *, StringRef> &stateReads,
                const DenseMap<Operation *, StringRef> &stateNexts) {
  const heed::KernelSpec *info = heed::lookupKernelSpec(kernel.getKernel());
  Value out = kernel.getOuts()[0];
  auto outBuffer = out.getDefiningOp<BufferOp>();
  if (!info || !info->inPlaceInputs || !outBuffer)
    return;
  // The output must be used only after this kernel (it is created for it).
  int64_t here = position.lookup(kernel);
  for (auto [i, in] : llvm::enumerate(kernel.getIns())) {
    if (i >= 32 || !(info->inPlaceInputs >> i & 1) ||
        in.getType() != out.getType())
      continue;
    BufferOp root = getArenaBuffer(in);
    if (!root || lastUse.lookup(root) != here)
      continue;
    // Model inputs stay as the caller gave them (and an output never shares
    // an input's bytes). (A set, not a look at the root's users: in a chain
    // of in-place kernels the root gathers every kernel as a user.)
    if (inputBuffers.contains(root))
      continue;
    // A state's buffer holds only that state: its next value may be
    // computed in place, nothing else (the runtime copies each state's next
    // value into its buffer after the run, which must not clobber another
    // state's).
    auto read = stateReads.find(root);
    if (read != stateReads.end() &&
        stateNexts.lookup(outBuffer) != read->second)
      continue;
    // Another input reading the same bytes might see them overwritten.
    if (llvm::count_if(kernel.getIns(), [&](Value other) {
          return getArenaBuffer(other) == root;
        }) > 1)
      continue;
    out.replaceAllUsesWith(in);
    outBuffer.erase();
    return;
  }
}

struct HeedrtPlanMemoryPass
    : heed::impl::HeedrtPlanMemoryBase<HeedrtPlanMemoryPass> {
  using HeedrtPlanMemoryBase::HeedrtPlanMemoryBase;

  void runOnOperation() override {
    PlanOp plan = getOperation();
    Block &body = plan.getBody().front();

    if (inPlace) {
      // Last uses by position, recomputed as buffers merge (a merged
      // buffer lives as long as its last user).
      DenseMap<Operation *, int64_t> position, lastUse;
      DenseSet<Operation *> inputBuffers;
      for (auto input : body.getOps<InputOp>())
        if (BufferOp root = getArenaBuffer(input.getBuffer()))
          inputBuffers.insert(root);
      DenseMap<Operation *, StringRef> stateReads, stateNexts;
      for (auto read : body.getOps<StateReadOp>())
        if (BufferOp root = getArenaBuffer(read.getBuffer()))
          stateReads[root] = read.getName();
      for (auto write : body.getOps<StateWriteOp>())
        if (BufferOp root = getArenaBuffer(write.getBuffer()))
          stateNexts[root] = write.getName();
      int64_t at = 0;
      for (Operation &op : body)
        position[&op] = at++;
      for (Operation &op : body) {
        for (Value operand : op.getOperands())
          if (BufferOp root = getArenaBuffer(operand))
            lastUse[root] = std::max(lastUse[root], position[&op]);
        if (isa<OutputOp, StateWriteOp>(op))
          if (BufferOp root = getArenaBuffer(op.getOperand(0)))
            lastUse[root] = std::numeric_limits<int64_t>::max();
      }
      for (Operation &op : llvm::make_early_inc_range(body)) {
        auto kernel = dyn_cast<KernelOp>(op);
        if (!kernel)
          continue;
        BufferOp before = getArenaBuffer(kernel.getOuts()[0]);
        tryInPlace(kernel, lastUse, position, inputBuffers, stateReads,
                   stateNexts);
        BufferOp after = getArenaBuffer(kernel.getOuts()[0]);
        if (after != before)
          lastUse[after] = std::max(lastUse[after], lastUse[before]);
      }
      // Outputs that became the buffer of an earlier value keep it to the
      // end; lastUse is recomputed below anyway.
    }

    // Live intervals of the remaining arena buffers.
    llvm::MapVector<Operation *, Interval> live;
    int64_t at = 0, end = 0;
    for (Operation &op : body) {
      ++at;
      if (auto buffer = dyn_cast<BufferOp>(op))
        live[buffer];
      for (Value operand : op.getOperands())
        if (BufferOp root = getArenaBuffer(operand))
          live[root].extend(isa<InputOp, StateReadOp>(op) ? 0 : at);
    }
    end = at + 1;
    for (auto output : body.getOps<OutputOp>())
      live[getArenaBuffer(output.getBuffer())].extend(end);
    for (auto write : body.getOps<StateWriteOp>())
      live[getArenaBuffer(write.getBuffer())].extend(end);
    // A state's buffer keeps its bytes to the end of the run: the runtime
    // copies the next value into it after the run, so no other buffer may
    // use them (nor may a kept state's value be overwritten).
    for (auto read : body.getOps<StateReadOp>())
      live[getArenaBuffer(read.getBuffer())].extend(end);
    for (auto &[op, interval] : live)
      if (interval.end < 0) // never used: still needs a place
        interval.extend(0);

    // Sizes that overflow (a --dim too large for any memory) are an error
    // at the buffer, not an arena of wrapped sizes.
    for (auto &entry : live)
      if (!checkedBufferBytes(cast<BufferOp>(entry.first).getType())) {
        entry.first->emitError("a buffer of ")
            << cast<BufferOp>(entry.first).getType()
            << " needs more than 2^62 bytes";
        return signalPassFailure();
      }
    // Greedy by size.
    SmallVector<Operation *> order;
    for (auto &entry : live)
      order.push_back(entry.first);
    auto bytes = [](Operation *op) {
      return alignUp(bufferBytes(cast<BufferOp>(op).getType()));
    };
    std::stable_sort(
        order.begin(), order.end(),
        [&](Operation *a, Operation *b) { return bytes(a) > bytes(b); });
    struct Placed {
      int64_t offset, size;
    };
    SmallVector<Placed> placed;
    PlacedIndex index(end + 1);
    int64_t arena = 0;
    OpBuilder builder(plan.getContext());
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Operation *op : order) {
      int64_t size = bytes(op);
      const Interval &interval = live[op];
      taken.clear();
      index.forOverlapping(interval, [&](int32_t id) {
        taken.push_back(
            {placed[id].offset, placed[id].offset + placed[id].size});
      });
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [b, e] : taken) {
        if (offset + size <= b)
          break;
        offset = std::max(offset, e);
      }
      if (offset > ((int64_t)1 << 62) - size) {
        op->emitError("the arena would need more than 2^62 bytes");
        return signalPassFailure();
      }
      index.insert((int32_t)placed.size(), interval);
      placed.push_back({offset, size});
      arena = std::max(arena, offset + size);
      cast<BufferOp>(op).setOffsetAttr(builder.getI64IntegerAttr(offset));
    }
    plan.setArenaBytesAttr(builder.getI64IntegerAttr(arena));
  }
};

} // namespace
