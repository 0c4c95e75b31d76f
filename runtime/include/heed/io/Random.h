//===- Random.h - Deterministic random tensors ------------------*- C++ -*-===//
//
// The random numbers behind --random-weights and --random-inputs. They
// depend only on a seed and a name (a parameter's or an input's), so they
// stay the same when other parameters or inputs are added or reordered, and
// every tool that draws them (heed-run --reference, compiled model
// executables) draws the same values.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_RANDOM_H
#define HEED_IO_RANDOM_H

#include "heed/io/HostTensor.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace heed {
namespace io {

/// Deterministic uniform numbers in [-1, 1) for a (seed, name) stream: the
/// state starts as FNV-1a(name) xor (seed * 0x9E3779B97F4A7C15); each number
/// is the top 53 bits of the next splitmix64 output mapped to [-1, 1).
class SeededUniform {
public:
  SeededUniform(uint64_t seed, std::string_view name);
  /// The next number, in [-1, 1).
  double next();

private:
  uint64_t state;
};

/// A random input named \p name of \p dtype and \p shape, drawn from
/// SeededUniform(seed, name) element by element (row-major): each number u
/// in [-1, 1) becomes u for float dtypes, u >= 0 for i1, and
/// min(intBound - 1, floor((u + 1) / 2 * intBound)) for integers, so that
/// integer inputs (e.g. token ids) lie in [0, intBound). \p intBound must be
/// at least 1.
HostTensor randomTensor(std::string_view name, DType dtype,
                        const std::vector<int64_t> &shape, uint64_t seed,
                        int64_t intBound);

} // namespace io
} // namespace heed

#endif // HEED_IO_RANDOM_H
