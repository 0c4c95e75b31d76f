//===- Recurrent.cpp - Reference LSTM and GRU -----------------------------===//
//
// torch.nn.LSTM and torch.nn.GRU with batch_first=True, written as plain
// loops over time, batch and hidden units. Everything is computed in double
// and rounded to the input's dtype once at the end.
//
// Layer 0 reads x [B, T, I]; layer l > 0 reads the previous layer's output
// sequence [B, T, dirs * H] (forward and backward halves concatenated). The
// reverse direction walks t = T-1 down to 0 and writes each output at its
// original time index t. With lengths, row b runs only its steps
// t < lengths[b] (both directions; the reverse one thus starts at
// lengths[b] - 1) and its outputs past the length stay 0.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <cmath>

namespace heed::ref {

namespace {

/// A plain [B, T, F] sequence of doubles used between layers.
struct Seq {
  int64_t batch = 0, steps = 0, features = 0;
  std::vector<double> data;

  double get(int64_t b, int64_t t, int64_t f) const {
    return data[(size_t)((b * steps + t) * features + f)];
  }
  void set(int64_t b, int64_t t, int64_t f, double v) {
    data[(size_t)((b * steps + t) * features + f)] = v;
  }
};

double sigmoidD(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// bias[i], or 0 when the bias tensor is empty (no bias).
double biasAt(const Tensor &bias, int64_t i) {
  if (bias.numel() == 0)
    return 0.0;
  return bias.data[(size_t)i];
}

/// W[row, :] . vec for a row-major matrix W with \p cols columns.
double rowDot(const Tensor &w, int64_t row, int64_t cols,
              const std::vector<double> &vec) {
  double sum = 0.0;
  for (int64_t c = 0; c < cols; ++c)
    sum += w.data[(size_t)(row * cols + c)] * vec[(size_t)c];
  return sum;
}

/// The input sequence of layer 0 as a Seq.
Seq seqFromTensor(const Tensor &x) {
  Seq s;
  s.batch = x.dim(0);
  s.steps = x.dim(1);
  s.features = x.dim(2);
  s.data.assign(x.data.begin(), x.data.end());
  return s;
}

/// Initial state [layers * dirs, B, H] at \p index for batch \p b, or zeros.
std::vector<double> initialState(const Tensor *state, int64_t index, int64_t b,
                                 int64_t batch, int64_t hidden) {
  std::vector<double> v((size_t)hidden, 0.0);
  if (!state)
    return v;
  for (int64_t j = 0; j < hidden; ++j)
    v[(size_t)j] = state->data[(size_t)((index * batch + b) * hidden + j)];
  return v;
}

/// Which recurrence a layer runs.
enum class Cell { Lstm, Gru };

/// Runs one direction of one layer over \p in, writing its outputs into
/// columns [outOffset, outOffset + H) of \p out and its final h (and c) into
/// \p hidden / \p cell at slot \p index.
void runDirection(Cell kind, const Seq &in, const RnnWeights &w, bool reverse,
                  const Tensor *h0, const Tensor *c0, int64_t index, Seq &out,
                  int64_t outOffset, Tensor &hidden, Tensor *cell,
                  const std::vector<int64_t> &lengths) {
  const int64_t batch = in.batch;
  const int64_t steps = in.steps;
  const int64_t inSize = in.features;
  const int64_t H = w.wHh.dim(1);

  for (int64_t b = 0; b < batch; ++b) {
    std::vector<double> h = initialState(h0, index, b, batch, H);
    std::vector<double> c = initialState(c0, index, b, batch, H);

    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = reverse ? steps - 1 - s : s;
      if (t >= lengths[(size_t)b])
        continue; // past the sequence: no step, output 0
      std::vector<double> xt((size_t)inSize);
      for (int64_t f = 0; f < inSize; ++f)
        xt[(size_t)f] = in.get(b, t, f);

      std::vector<double> newH((size_t)H), newC((size_t)H);
      for (int64_t j = 0; j < H; ++j) {
        if (kind == Cell::Lstm) {
          // Gate rows: i = j, f = H + j, g = 2H + j, o = 3H + j.
          double pre[4];
          for (int64_t gate = 0; gate < 4; ++gate) {
            const int64_t row = gate * H + j;
            pre[gate] = rowDot(w.wIh, row, inSize, xt) + biasAt(w.bIh, row) +
                        rowDot(w.wHh, row, H, h) + biasAt(w.bHh, row);
          }
          const double ig = sigmoidD(pre[0]);
          const double fg = sigmoidD(pre[1]);
          const double gg = std::tanh(pre[2]);
          const double og = sigmoidD(pre[3]);
          newC[(size_t)j] = fg * c[(size_t)j] + ig * gg;
          newH[(size_t)j] = og * std::tanh(newC[(size_t)j]);
        } else {
          // Gate rows: r = j, z = H + j, n = 2H + j.
          const int64_t rRow = j, zRow = H + j, nRow = 2 * H + j;
          const double r =
              sigmoidD(rowDot(w.wIh, rRow, inSize, xt) + biasAt(w.bIh, rRow) +
                       rowDot(w.wHh, rRow, H, h) + biasAt(w.bHh, rRow));
          const double z =
              sigmoidD(rowDot(w.wIh, zRow, inSize, xt) + biasAt(w.bIh, zRow) +
                       rowDot(w.wHh, zRow, H, h) + biasAt(w.bHh, zRow));
          const double n =
              std::tanh(rowDot(w.wIh, nRow, inSize, xt) + biasAt(w.bIh, nRow) +
                        r * (rowDot(w.wHh, nRow, H, h) + biasAt(w.bHh, nRow)));
          newH[(size_t)j] = (1.0 - z) * n + z * h[(size_t)j];
        }
      }
      h = newH;
      if (kind == Cell::Lstm)
        c = newC;
      for (int64_t j = 0; j < H; ++j)
        out.set(b, t, outOffset + j, h[(size_t)j]);
    }

    for (int64_t j = 0; j < H; ++j) {
      hidden.data[(size_t)((index * batch + b) * H + j)] = h[(size_t)j];
      if (cell)
        cell->data[(size_t)((index * batch + b) * H + j)] = c[(size_t)j];
    }
  }
}

RnnResult runRnn(Cell kind, const Tensor &x, const Tensor *h0, const Tensor *c0,
                 const std::vector<RnnWeights> &weights, int64_t layers,
                 bool bidirectional, const Tensor *lengthsTensor) {
  const int64_t dirs = bidirectional ? 2 : 1;
  const int64_t batch = x.dim(0);
  const int64_t steps = x.dim(1);
  const int64_t H = weights[0].wHh.dim(1);
  std::vector<int64_t> lengths((size_t)batch, steps);
  if (lengthsTensor)
    for (int64_t b = 0; b < batch; ++b) {
      double n = lengthsTensor->data[(size_t)b];
      if (n < 0 || n > steps)
        throw KernelError(std::string(kind == Cell::Lstm ? "lstm" : "gru") +
                          ": lengths[" + std::to_string(b) +
                          "] = " + std::to_string((int64_t)n) +
                          " is outside [0, " + std::to_string(steps) + "]");
      lengths[(size_t)b] = (int64_t)n;
    }

  RnnResult result;
  result.hidden = Tensor(x.dtype, {layers * dirs, batch, H});
  if (kind == Cell::Lstm)
    result.cell = Tensor(x.dtype, {layers * dirs, batch, H});

  Seq in = seqFromTensor(x);
  for (int64_t layer = 0; layer < layers; ++layer) {
    Seq out;
    out.batch = batch;
    out.steps = steps;
    out.features = dirs * H;
    out.data.assign((size_t)(batch * steps * dirs * H), 0.0);
    for (int64_t dir = 0; dir < dirs; ++dir) {
      const int64_t index = layer * dirs + dir;
      runDirection(kind, in, weights[(size_t)index], /*reverse=*/dir == 1, h0,
                   kind == Cell::Lstm ? c0 : nullptr, index, out, dir * H,
                   result.hidden, kind == Cell::Lstm ? &result.cell : nullptr,
                   lengths);
    }
    in = out;
  }

  result.sequence = Tensor(x.dtype, {batch, steps, dirs * H},
                           std::vector<Scalar>(in.data.begin(), in.data.end()));
  result.hidden.roundInPlace();
  if (kind == Cell::Lstm)
    result.cell.roundInPlace();
  return result;
}

} // namespace

RnnResult lstm(const Tensor &x, const Tensor *h0, const Tensor *c0,
               const std::vector<RnnWeights> &weights, int64_t layers,
               bool bidirectional, const Tensor *lengths) {
  return runRnn(Cell::Lstm, x, h0, c0, weights, layers, bidirectional, lengths);
}

RnnResult gru(const Tensor &x, const Tensor *h0,
              const std::vector<RnnWeights> &weights, int64_t layers,
              bool bidirectional, const Tensor *lengths) {
  return runRnn(Cell::Gru, x, h0, nullptr, weights, layers, bidirectional,
                lengths);
}

} // namespace heed::ref
