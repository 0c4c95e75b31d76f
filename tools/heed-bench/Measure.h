//===- Measure.h - Inputs, outputs and timed runs of a variant --*- C++ -*-===//
//
// Every variant of a sweep point runs on the same inputs: random tensors
// drawn like a compiled model's `--random-inputs=SEED` (io::randomTensor,
// integer inputs below their heedrt.input random bound), matched to each
// model's inputs by name. A run is timed with the wall clock around
// heed_model_run_data (inputs copied into the arena, the task graph, the
// outputs copied out).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_MEASURE_H
#define HEED_TOOLS_HEEDBENCH_MEASURE_H

#include "Variant.h"

#include "heed/io/HostTensor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace heed::bench {

/// The inputs of one sweep point, by input name.
class InputSet {
public:
  /// Draws the inputs of \p variant's model with \p seed.
  static InputSet draw(const CompiledVariant &variant, uint64_t seed);
  /// The data pointers for \p model, in its input order; false (with
  /// \p error) when an input is missing or has another dtype or shape.
  bool bind(const heed_model *model, std::vector<const void *> &pointers,
            std::string &error) const;
  /// The input \p name, or null.
  const io::HostTensor *find(const std::string &name) const;

private:
  std::map<std::string, io::HostTensor> byName;
};

/// Median, minimum and maximum of a list of times.
struct TimeStats {
  double medianMs = 0, minMs = 0, maxMs = 0;
  unsigned runs = 0;
};
TimeStats summarize(std::vector<double> timesMs);

/// A loaded variant ready to run: its input pointers and output buffers,
/// and the times of the timed runs so far. A model with bounded dimensions
/// runs through heed_tensor handles (heed_model_run) at the inputs' sizes.
class TimedModel {
public:
  /// Binds \p inputs to \p variant's model and allocates its outputs.
  static bool create(const CompiledVariant &variant, const InputSet &inputs,
                     TimedModel &out, std::string &error);
  /// Runs once; records the time when \p record. False (with \p error)
  /// when the run fails.
  bool run(bool record, std::string &error);

  std::vector<double> timesMs;
  /// The output names and the outputs of the last run.
  std::vector<std::string> outputNames;
  std::vector<io::HostTensor> outputs;

private:
  struct TensorDeleter {
    void operator()(heed_tensor *t) const;
  };
  using TensorPtr = std::unique_ptr<heed_tensor, TensorDeleter>;

  /// create() for a model with bounded dimensions.
  bool createBounded(const InputSet &inputs, std::string &error);

  heed_model *model = nullptr;
  std::vector<const void *> inputPointers;
  std::vector<void *> outputPointers;
  bool bounded = false;
  std::vector<TensorPtr> inputTensors, outputTensors;
};

/// The largest relative difference (max-norm: max |a - b| / max |a|) over
/// the f32 outputs \p a and \p b have in common by name; NaN when a value is
/// NaN in one and not the other.
double maxRelativeDifference(const TimedModel &a, const TimedModel &b);

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_MEASURE_H
