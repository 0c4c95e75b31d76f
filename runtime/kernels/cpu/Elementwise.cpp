//===- Elementwise.cpp - Unary, binary, comparison and where kernels ------===//
//
// Kernels (inputs -> outputs; attributes none):
//   exp log sqrt rsqrt neg abs tanh erf sin cos sigmoid relu gelu silu
//   gelu_tanh :
//     x -> y (f32)
//   neg abs : also i64, i32;   not : i1 -> i1
//   add sub mul div maximum minimum pow : a, b -> c, NumPy broadcasting
//     (f32, i64, i32; integer div truncates, and a zero integer divisor
//     fails the run with HEED_ERROR_INVALID_ARGUMENT before anything is
//     written; integer add, sub and mul wrap (two's complement);
//     integer pow truncates, saturates, and gives 0 where infinite)
//   and or : i1, i1 -> i1
//   eq ne lt le gt ge : a, b -> i1
//   where : cond (i1), a, b -> c
// Work is split into fixed chunks of the output (parallelChunks).
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "Error.h"
#include "Parallel.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace heed::rt {
namespace {

constexpr int64_t kGrain = 16384;

template <typename T> using UnaryFn = T (*)(T);

float gelu(float x) {
  return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
}
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

template <typename T> class UnaryKernel : public Kernel {
public:
  UnaryKernel(UnaryFn<T> fn, int64_t n) : fn(fn), n(n) {}
  void run(const void *const *in, void *const *out) override {
    const T *x = static_cast<const T *>(in[0]);
    T *y = static_cast<T *>(out[0]);
    parallelChunks(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        y[i] = fn(x[i]);
    });
  }

private:
  UnaryFn<T> fn;
  int64_t n;
};

void checkSameShape(const KernelSignature &sig) {
  if (sig.inputs[0].shape != sig.outputs[0].shape)
    sig.shapeError("input " + sig.inputs[0].str() + " and output " +
                   sig.outputs[0].str() + " differ");
}

void registerUnary(const std::string &name, UnaryFn<float> f32,
                   UnaryFn<int64_t> i64 = nullptr,
                   UnaryFn<int32_t> i32 = nullptr) {
  registerKernel(name,
                 [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
                   sig.expectArity(1, 1);
                   checkSameShape(sig);
                   heed_dtype t = sig.inputs[0].dtype;
                   sig.expectOutputDType(0, t);
                   int64_t n = sig.outputs[0].numel();
                   if (t == HEED_F32 && f32)
                     return std::make_unique<UnaryKernel<float>>(f32, n);
                   if (t == HEED_I64 && i64)
                     return std::make_unique<UnaryKernel<int64_t>>(i64, n);
                   if (t == HEED_I32 && i32)
                     return std::make_unique<UnaryKernel<int32_t>>(i32, n);
                   fail(HEED_ERROR_DTYPE,
                        name + ": unsupported dtype " + sig.inputs[0].str());
                 });
}

/// Shared by binary ops, comparisons and where: up to three broadcast
/// operands, one output.
template <typename Out, typename Fn> class BroadcastKernel : public Kernel {
public:
  BroadcastKernel(const KernelSignature &sig, Fn fn) : fn(fn) {
    shape = sig.outputs[0].shape;
    n = sig.outputs[0].numel();
    for (const TensorDesc &in : sig.inputs)
      strides.push_back(broadcastStrides(sig, in, sig.outputs[0]));
  }
  void run(const void *const *in, void *const *out) override {
    Out *y = static_cast<Out *>(out[0]);
    parallelChunks(n, kGrain, [&](int64_t b, int64_t e) {
      BroadcastCursor cursor(shape, strides, b);
      for (int64_t i = b; i < e; ++i, cursor.next())
        y[i] = fn(in, cursor);
    });
  }

private:
  Fn fn;
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> strides;
  int64_t n;
};

template <typename Out, typename Fn>
std::unique_ptr<Kernel> makeBroadcast(const KernelSignature &sig, Fn fn) {
  return std::make_unique<BroadcastKernel<Out, Fn>>(sig, fn);
}

enum class Arith { Add, Sub, Mul, Div, Max, Min, Pow };

template <typename T> T arith(Arith op, T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    // Two's complement: integer add, sub and mul wrap (in the unsigned
    // type, where overflow is defined), as in the reference.
    using U = std::make_unsigned_t<T>;
    if (op == Arith::Add)
      return (T)((U)a + (U)b);
    if (op == Arith::Sub)
      return (T)((U)a - (U)b);
    if (op == Arith::Mul)
      return (T)((U)a * (U)b);
  }
  switch (op) {
  case Arith::Add:
    return a + b;
  case Arith::Sub:
    return a - b;
  case Arith::Mul:
    return a * b;
  case Arith::Div:
    if constexpr (std::is_integral_v<T>) {
      if (b == 0)
        return 0;
      // lowest / -1 overflows (and traps on x86); it wraps to lowest.
      if (b == -1)
        return (T)(0 - (std::make_unsigned_t<T>)a);
      return a / b;
    } else
      return a / b;
  case Arith::Max:
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(a) || std::isnan(b))
        return NAN;
    return a > b ? a : b;
  case Arith::Min:
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(a) || std::isnan(b))
        return NAN;
    return a < b ? a : b;
  case Arith::Pow:
    if constexpr (std::is_integral_v<T>) {
      // Truncated like a cast; a non-finite power (0 to a negative power)
      // gives 0, as in the reference, and a huge one saturates (converting
      // an out-of-range double to an integer is undefined).
      double p = std::trunc(std::pow((double)a, (double)b));
      if (!std::isfinite(p))
        return 0;
      if (p <= (double)std::numeric_limits<T>::lowest())
        return std::numeric_limits<T>::lowest();
      if (p >= (double)std::numeric_limits<T>::max())
        return std::numeric_limits<T>::max();
      return (T)p;
    } else {
      return (T)std::pow((double)a, (double)b);
    }
  }
  return a;
}

/// Integer division: a zero divisor fails the run, before anything is
/// written (docs/language.md: a run-time error, as in the reference).
template <typename T> class IntegerDivKernel : public Kernel {
public:
  IntegerDivKernel(std::unique_ptr<Kernel> divide, int64_t divisors)
      : divide(std::move(divide)), divisors(divisors) {}
  void run(const void *const *in, void *const *out) override {
    const T *b = static_cast<const T *>(in[1]);
    for (int64_t i = 0; i < divisors; ++i)
      if (b[i] == 0)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "div: integer division by zero (divisor element " +
                 std::to_string(i) + ")");
    divide->run(in, out);
  }

private:
  std::unique_ptr<Kernel> divide;
  int64_t divisors;
};

template <typename T>
std::unique_ptr<Kernel> makeArith(const KernelSignature &sig, Arith op);

template <typename T>
std::unique_ptr<Kernel> makeIntegerArith(const KernelSignature &sig, Arith op) {
  std::unique_ptr<Kernel> kernel = makeArith<T>(sig, op);
  if (op != Arith::Div)
    return kernel;
  return std::make_unique<IntegerDivKernel<T>>(std::move(kernel),
                                               sig.inputs[1].numel());
}

/// A binary op over rows: the output's innermost dimensions form runs in
/// which each operand is either contiguous or one repeated element, so the
/// inner loop is `y[i] = a[i * sa] op b[i * sb]` with sa, sb in {0, 1} and
/// the op known at compile time (the compiler vectorises it); a cursor over
/// the outer dimensions finds each run's operands. This is every same-shape,
/// scalar, bias-like ([C] over [.., C]) and per-channel ([C, 1, 1] over
/// [N, C, H, W]) broadcast.
template <typename T, Arith Op> class ArithRowsKernel : public Kernel {
public:
  ArithRowsKernel(const KernelSignature &sig,
                  const std::vector<std::vector<int64_t>> &strides) {
    const std::vector<int64_t> &shape = sig.outputs[0].shape;
    int64_t rank = shape.size();
    // Grow the inner run from the last dimension while every operand stays
    // contiguous (stride = run length so far) or broadcast (stride 0).
    int64_t d = rank;
    inner = 1;
    for (int k = 0; k < 2; ++k)
      step[k] = -1;
    while (d > 0) {
      int64_t extent = shape[d - 1];
      bool ok = true;
      int64_t nextStep[2] = {step[0], step[1]};
      for (int k = 0; k < 2 && ok; ++k) {
        if (extent == 1)
          continue;
        int64_t st = strides[k][d - 1];
        int64_t mode = st == 0 ? 0 : (st == inner ? 1 : -2);
        if (mode == -2 || (nextStep[k] >= 0 && nextStep[k] != mode))
          ok = false;
        nextStep[k] = mode;
      }
      if (!ok)
        break;
      step[0] = nextStep[0];
      step[1] = nextStep[1];
      inner *= extent;
      --d;
    }
    for (int k = 0; k < 2; ++k)
      if (step[k] < 0)
        step[k] = 1; // every inner extent is 1
    outerShape.assign(shape.begin(), shape.begin() + d);
    for (int k = 0; k < 2; ++k)
      outerStrides.emplace_back(strides[k].begin(), strides[k].begin() + d);
    rows = 1;
    for (int64_t e : outerShape)
      rows *= e;
  }

  void run(const void *const *in, void *const *out) override {
    const T *a = static_cast<const T *>(in[0]);
    const T *b = static_cast<const T *>(in[1]);
    T *y = static_cast<T *>(out[0]);
    int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1));
    if (rows == 1) {
      // One run: split it across threads.
      parallelChunks(inner, kGrain, [&](int64_t lo, int64_t hi) {
        runOf(a + lo * step[0], b + lo * step[1], y + lo, hi - lo);
      });
      return;
    }
    parallelChunks(rows, grain, [&](int64_t lo, int64_t hi) {
      BroadcastCursor cursor(outerShape, outerStrides, lo);
      for (int64_t r = lo; r < hi; ++r, cursor.next())
        runOf(a + cursor.offset(0), b + cursor.offset(1), y + r * inner, inner);
    });
  }

private:
  void runOf(const T *a, const T *b, T *y, int64_t n) const {
    if (step[0] && step[1])
      for (int64_t i = 0; i < n; ++i)
        y[i] = arith(Op, a[i], b[i]);
    else if (step[0]) {
      const T bv = b[0];
      for (int64_t i = 0; i < n; ++i)
        y[i] = arith(Op, a[i], bv);
    } else if (step[1]) {
      const T av = a[0];
      for (int64_t i = 0; i < n; ++i)
        y[i] = arith(Op, av, b[i]);
    } else {
      const T v = arith(Op, a[0], b[0]);
      for (int64_t i = 0; i < n; ++i)
        y[i] = v;
    }
  }

  int64_t inner = 1, rows = 1;
  int64_t step[2];
  std::vector<int64_t> outerShape;
  std::vector<std::vector<int64_t>> outerStrides;
};

template <typename T, Arith Op>
std::unique_ptr<Kernel> makeArithRows(const KernelSignature &sig) {
  std::vector<std::vector<int64_t>> strides;
  for (const TensorDesc &in : sig.inputs)
    strides.push_back(broadcastStrides(sig, in, sig.outputs[0]));
  return std::make_unique<ArithRowsKernel<T, Op>>(sig, strides);
}

template <typename T>
std::unique_ptr<Kernel> makeArith(const KernelSignature &sig, Arith op) {
  switch (op) {
  case Arith::Add:
    return makeArithRows<T, Arith::Add>(sig);
  case Arith::Sub:
    return makeArithRows<T, Arith::Sub>(sig);
  case Arith::Mul:
    return makeArithRows<T, Arith::Mul>(sig);
  case Arith::Div:
    return makeArithRows<T, Arith::Div>(sig);
  case Arith::Max:
    return makeArithRows<T, Arith::Max>(sig);
  case Arith::Min:
    return makeArithRows<T, Arith::Min>(sig);
  case Arith::Pow:
    break;
  }
  return makeBroadcast<T>(
      sig, [op](const void *const *in, const BroadcastCursor &c) {
        return arith(op, static_cast<const T *>(in[0])[c.offset(0)],
                     static_cast<const T *>(in[1])[c.offset(1)]);
      });
}

void registerArith(const std::string &name, Arith op) {
  registerKernel(name,
                 [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
                   sig.expectArity(2, 1);
                   heed_dtype t = sig.inputs[0].dtype;
                   sig.expectInputDType(1, t);
                   sig.expectOutputDType(0, t);
                   if (t == HEED_F32)
                     return makeArith<float>(sig, op);
                   if (t == HEED_I64)
                     return makeIntegerArith<int64_t>(sig, op);
                   if (t == HEED_I32)
                     return makeIntegerArith<int32_t>(sig, op);
                   fail(HEED_ERROR_DTYPE,
                        name + ": unsupported dtype " + sig.inputs[0].str());
                 });
}

enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };

template <typename T> bool compare(Cmp op, T a, T b) {
  switch (op) {
  case Cmp::Eq:
    return a == b;
  case Cmp::Ne:
    return a != b;
  case Cmp::Lt:
    return a < b;
  case Cmp::Le:
    return a <= b;
  case Cmp::Gt:
    return a > b;
  case Cmp::Ge:
    return a >= b;
  }
  return false;
}

template <typename T>
std::unique_ptr<Kernel> makeCompare(const KernelSignature &sig, Cmp op) {
  return makeBroadcast<uint8_t>(
      sig, [op](const void *const *in, const BroadcastCursor &c) {
        return (uint8_t)compare(op, static_cast<const T *>(in[0])[c.offset(0)],
                                static_cast<const T *>(in[1])[c.offset(1)]);
      });
}

void registerCompare(const std::string &name, Cmp op) {
  registerKernel(name,
                 [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
                   sig.expectArity(2, 1);
                   heed_dtype t = sig.inputs[0].dtype;
                   sig.expectInputDType(1, t);
                   sig.expectOutputDType(0, HEED_I1);
                   switch (t) {
                   case HEED_F32:
                     return makeCompare<float>(sig, op);
                   case HEED_I64:
                     return makeCompare<int64_t>(sig, op);
                   case HEED_I32:
                     return makeCompare<int32_t>(sig, op);
                   case HEED_I1:
                     return makeCompare<uint8_t>(sig, op);
                   default:
                     fail(HEED_ERROR_DTYPE,
                          name + ": unsupported dtype " + sig.inputs[0].str());
                   }
                 });
}

void registerLogical(const std::string &name, bool isAnd) {
  registerKernel(
      name, [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
        sig.expectArity(2, 1);
        sig.expectInputDType(0, HEED_I1);
        sig.expectInputDType(1, HEED_I1);
        sig.expectOutputDType(0, HEED_I1);
        return makeBroadcast<uint8_t>(
            sig, [isAnd](const void *const *in, const BroadcastCursor &c) {
              bool a = static_cast<const uint8_t *>(in[0])[c.offset(0)];
              bool b = static_cast<const uint8_t *>(in[1])[c.offset(1)];
              return (uint8_t)(isAnd ? (a && b) : (a || b));
            });
      });
}

template <typename T>
std::unique_ptr<Kernel> makeWhere(const KernelSignature &sig) {
  return makeBroadcast<T>(
      sig, [](const void *const *in, const BroadcastCursor &c) {
        return static_cast<const uint8_t *>(in[0])[c.offset(0)]
                   ? static_cast<const T *>(in[1])[c.offset(1)]
                   : static_cast<const T *>(in[2])[c.offset(2)];
      });
}

} // namespace

void registerElementwiseKernels() {
  registerUnary("exp", [](float x) { return std::exp(x); });
  registerUnary("log", [](float x) { return std::log(x); });
  registerUnary("sqrt", [](float x) { return std::sqrt(x); });
  registerUnary("rsqrt", [](float x) { return 1.0f / std::sqrt(x); });
  registerUnary(
      "neg", [](float x) { return -x; }, [](int64_t x) { return -x; },
      [](int32_t x) { return -x; });
  registerUnary(
      "abs", [](float x) { return std::fabs(x); },
      [](int64_t x) { return x < 0 ? -x : x; },
      [](int32_t x) { return x < 0 ? -x : x; });
  registerUnary("tanh", [](float x) { return std::tanh(x); });
  registerUnary("erf", [](float x) { return std::erf(x); });
  registerUnary("sin", [](float x) { return std::sin(x); });
  registerUnary("cos", [](float x) { return std::cos(x); });
  registerUnary("sigmoid", sigmoid);
  registerUnary("relu", [](float x) { return x > 0 ? x : 0.0f; });
  registerUnary("gelu", gelu);
  registerUnary("silu", [](float x) { return x * sigmoid(x); });
  registerUnary("gelu_tanh", [](float x) {
    // In double, like the op's definition, then rounded.
    double d = x;
    return (float)(0.5 * d *
                   (1.0 + std::tanh(0.7978845608028654 *
                                    (d + 0.044715 * d * d * d))));
  });
  registerKernel(
      "not", [](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
        sig.expectArity(1, 1);
        checkSameShape(sig);
        sig.expectInputDType(0, HEED_I1);
        sig.expectOutputDType(0, HEED_I1);
        return std::make_unique<UnaryKernel<uint8_t>>(
            [](uint8_t x) -> uint8_t { return !x; }, sig.outputs[0].numel());
      });

  registerArith("add", Arith::Add);
  registerArith("sub", Arith::Sub);
  registerArith("mul", Arith::Mul);
  registerArith("div", Arith::Div);
  registerArith("maximum", Arith::Max);
  registerArith("minimum", Arith::Min);
  registerArith("pow", Arith::Pow);
  registerLogical("and", true);
  registerLogical("or", false);
  registerCompare("eq", Cmp::Eq);
  registerCompare("ne", Cmp::Ne);
  registerCompare("lt", Cmp::Lt);
  registerCompare("le", Cmp::Le);
  registerCompare("gt", Cmp::Gt);
  registerCompare("ge", Cmp::Ge);
  registerKernel("where",
                 [](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
                   sig.expectArity(3, 1);
                   sig.expectInputDType(0, HEED_I1);
                   heed_dtype t = sig.inputs[1].dtype;
                   sig.expectInputDType(2, t);
                   sig.expectOutputDType(0, t);
                   switch (dtypeBytes(t)) {
                   case 1:
                     return makeWhere<uint8_t>(sig);
                   case 2:
                     return makeWhere<uint16_t>(sig);
                   case 4:
                     return makeWhere<uint32_t>(sig);
                   default:
                     return makeWhere<uint64_t>(sig);
                   }
                 });
}

} // namespace heed::rt
