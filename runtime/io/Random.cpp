//===- Random.cpp - Deterministic random tensors --------------------------===//

#include "heed/io/Random.h"

#include <algorithm>
#include <cmath>

namespace heed::io {

SeededUniform::SeededUniform(uint64_t seed, std::string_view name) {
  // FNV-1a of the name, mixed with the seed.
  uint64_t h = 1469598103934665603ull;
  for (char c : name) {
    h ^= (unsigned char)c;
    h *= 1099511628211ull;
  }
  state = h ^ (seed * 0x9E3779B97F4A7C15ull);
}

double SeededUniform::next() {
  // splitmix64.
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

HostTensor randomTensor(std::string_view name, DType dtype,
                        const std::vector<int64_t> &shape, uint64_t seed,
                        int64_t intBound) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.data.resize(t.nbytes());
  SeededUniform rng(seed, name);
  for (int64_t i = 0; i < t.numel(); ++i) {
    double u = rng.next(); // [-1, 1)
    double v;
    if (isFloatDType(dtype))
      v = u;
    else if (dtype == DType::I1)
      v = u >= 0;
    else
      v = std::min<double>((double)intBound - 1,
                           std::floor((u + 1) / 2 * (double)intBound));
    storeElement(t, i, v);
  }
  return t;
}

} // namespace heed::io
