//===- HeedModule.cpp - heed._heed: a loaded model, run from Python -------===//
//
// The extension module under the `heed` package (python/heed/): one class,
// LoadedModel, over a heed_model* that the package loaded through a
// compiled model's `<name>_load` (python/heed/_model.py). It runs the model
// on NumPy arrays the package has checked (names, dtypes: C-contiguous, of
// the input's dtype), wrapping their memory as heed_tensor without a copy,
// with the GIL released, and returns the outputs as NumPy arrays over the
// runtime's tensors (no copy either; bf16 is widened to float32). Failures
// raise the exception type the package registers (heed.RunError).
//
//===----------------------------------------------------------------------===//

#include "heed/DType.h"
#include "heed/runtime.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// The exception type failures raise (heed.RunError, set by the package).
py::object &runErrorType() {
  static py::object *type =
      new py::object(py::reinterpret_borrow<py::object>(PyExc_RuntimeError));
  return *type;
}

[[noreturn]] void raise(const std::string &message) {
  PyErr_SetString(runErrorType().ptr(), message.c_str());
  throw py::error_already_set();
}

/// "f32", "i64", ... (heed_dtype numbers heed::DType's cases).
const char *dtypeName(heed_dtype d) {
  return d >= HEED_F32 && d <= HEED_I1 ? heed::dtypeName((heed::DType)d) : "?";
}

struct TensorFree {
  void operator()(heed_tensor *t) const { heed_tensor_free(t); }
};
using TensorPtr = std::unique_ptr<heed_tensor, TensorFree>;

/// A NumPy array over output tensor \p t, which it then owns (bf16: a
/// float32 copy, widened exactly).
py::array toNumpy(TensorPtr t) {
  std::vector<py::ssize_t> shape(heed_tensor_shape(t.get()),
                                 heed_tensor_shape(t.get()) +
                                     heed_tensor_rank(t.get()));
  heed_dtype d = heed_tensor_dtype(t.get());
  if (d == HEED_BF16) {
    py::array_t<float> out(shape);
    const uint16_t *from =
        static_cast<const uint16_t *>(heed_tensor_data(t.get()));
    float *to = out.mutable_data();
    for (py::ssize_t i = 0; i < out.size(); ++i) {
      uint32_t bits = (uint32_t)from[i] << 16;
      std::memcpy(&to[i], &bits, 4);
    }
    return std::move(out);
  }
  py::dtype dtype = d == HEED_F32   ? py::dtype::of<float>()
                    : d == HEED_F16 ? py::dtype("float16")
                    : d == HEED_I64 ? py::dtype::of<int64_t>()
                    : d == HEED_I32 ? py::dtype::of<int32_t>()
                                    : py::dtype::of<bool>();
  void *data = heed_tensor_data(t.get());
  heed_tensor *raw = t.release();
  py::capsule owner(
      raw, [](void *p) { heed_tensor_free(static_cast<heed_tensor *>(p)); });
  return py::array(dtype, shape, {}, data, owner);
}

/// A port of the model: (name, dtype, shape at the bound).
py::tuple port(const heed_model *m, int32_t i, bool input) {
  const char *name = nullptr;
  heed_dtype dtype = HEED_F32;
  int32_t rank = 0;
  const int64_t *shape = nullptr;
  heed_status s = input ? heed_model_input(m, i, &name, &dtype, &rank, &shape)
                        : heed_model_output(m, i, &name, &dtype, &rank, &shape);
  if (s != HEED_OK)
    raise(heed_last_error());
  return py::make_tuple(
      std::string(name), std::string(dtypeName(dtype)),
      py::tuple(py::cast(std::vector<int64_t>(shape, shape + rank))));
}

class LoadedModel {
public:
  /// Takes ownership of the heed_model at address \p model (from a compiled
  /// model's `<name>_load`).
  explicit LoadedModel(uintptr_t model)
      : model(reinterpret_cast<heed_model *>(model)) {
    if (!this->model)
      raise("no model to wrap");
    numIn = heed_model_num_inputs(this->model);
    numOut = heed_model_num_outputs(this->model);
  }
  ~LoadedModel() { heed_model_free(model); }
  LoadedModel(const LoadedModel &) = delete;
  LoadedModel &operator=(const LoadedModel &) = delete;

  py::list inputs() const { return ports(true); }
  py::list outputs() const { return ports(false); }

  py::list dims() const {
    py::list list;
    for (int32_t d = 0; d < heed_model_num_dims(model); ++d) {
      const char *name = nullptr;
      int64_t lo = 0, hi = 0;
      heed_model_dim(model, d, &name, &lo, &hi);
      list.append(py::make_tuple(std::string(name), lo, hi));
    }
    return list;
  }

  void setThreads(int32_t n) {
    if (heed_model_set_threads(model, n) != HEED_OK)
      raise(heed_last_error());
  }

  size_t memoryBytes() const { return heed_model_memory_bytes(model); }

  /// Runs on \p arrays (checked by the package: one per input, in order,
  /// C-contiguous, of the input's dtype; bf16 as uint16 bits).
  py::list run(const std::vector<py::array> &arrays) {
    std::vector<TensorPtr> in = wrap(arrays);
    std::vector<heed_tensor *> ins, outs(numOut, nullptr);
    for (auto &t : in)
      ins.push_back(t.get());
    heed_status s;
    {
      py::gil_scoped_release release;
      s = heed_model_run_alloc(model, ins.data(), numIn, outs.data(), numOut);
    }
    if (s != HEED_OK)
      raise(heed_last_error());
    py::list result;
    for (heed_tensor *t : outs)
      result.append(toNumpy(TensorPtr(t)));
    return result;
  }

  /// Runs \p warmup + \p repeat times with the GIL released; the times of
  /// the last \p repeat runs in ms (the C API's own cost only: the inputs
  /// are wrapped once and the outputs reused).
  std::vector<double> time(const std::vector<py::array> &arrays, int64_t repeat,
                           int64_t warmup) {
    if (repeat < 1 || warmup < 0)
      raise("repeat must be at least 1 and warmup at least 0");
    std::vector<TensorPtr> in = wrap(arrays);
    std::vector<heed_tensor *> ins, outs(numOut, nullptr);
    for (auto &t : in)
      ins.push_back(t.get());
    std::vector<double> times;
    std::string error;
    {
      py::gil_scoped_release release;
      if (heed_model_run_alloc(model, ins.data(), numIn, outs.data(), numOut) !=
          HEED_OK)
        error = heed_last_error();
      for (int64_t r = 0; error.empty() && r < warmup + repeat; ++r) {
        auto start = std::chrono::steady_clock::now();
        heed_status s =
            heed_model_run(model, ins.data(), numIn, outs.data(), numOut);
        auto end = std::chrono::steady_clock::now();
        if (s != HEED_OK)
          error = heed_last_error();
        else if (r >= warmup)
          times.push_back(
              std::chrono::duration<double, std::milli>(end - start).count());
      }
    }
    for (heed_tensor *t : outs)
      heed_tensor_free(t);
    if (!error.empty())
      raise(error);
    return times;
  }

  /// Runs on \p arrays capturing the attention maps; returns (the outputs,
  /// a list of (name, kernel, probs [B, H, Lq, Lk] float32)); the model
  /// captures nothing before or after.
  py::tuple runCapturing(const std::vector<py::array> &arrays) {
    if (heed_model_capture_attention(model, 1) != HEED_OK)
      raise(heed_last_error());
    struct Off {
      heed_model *m;
      ~Off() { heed_model_capture_attention(m, 0); }
    } off{model};
    py::list outputs = run(arrays);
    py::list maps;
    for (int32_t i = 0; i < heed_model_num_attention(model); ++i) {
      heed_tensor *probs = nullptr;
      if (heed_model_attention_probs(model, i, &probs, nullptr) != HEED_OK)
        raise(heed_last_error());
      maps.append(
          py::make_tuple(std::string(heed_model_attention_name(model, i)),
                         std::string(heed_model_attention_kernel(model, i)),
                         toNumpy(TensorPtr(probs))));
    }
    return py::make_tuple(outputs, maps);
  }

  /// The data addresses run() would hand the runtime for \p arrays (the
  /// tests check that a contiguous torch tensor is not copied).
  std::vector<uintptr_t> inputAddresses(const std::vector<py::array> &arrays) {
    std::vector<uintptr_t> addresses;
    for (const py::array &a : arrays)
      addresses.push_back(reinterpret_cast<uintptr_t>(a.data()));
    return addresses;
  }

private:
  heed_model *model;
  int32_t numIn = 0, numOut = 0;

  py::list ports(bool input) const {
    py::list list;
    for (int32_t i = 0; i < (input ? numIn : numOut); ++i)
      list.append(port(model, i, input));
    return list;
  }

  std::vector<TensorPtr> wrap(const std::vector<py::array> &arrays) {
    if ((int32_t)arrays.size() != numIn)
      raise("the model has " + std::to_string(numIn) + " inputs, got " +
            std::to_string(arrays.size()));
    std::vector<TensorPtr> tensors;
    for (int32_t i = 0; i < numIn; ++i) {
      const py::array &a = arrays[i];
      heed_dtype dtype = HEED_F32;
      if (heed_model_input(model, i, nullptr, &dtype, nullptr, nullptr) !=
          HEED_OK)
        raise(heed_last_error());
      if (!(a.flags() & py::array::c_style))
        raise("input " + std::to_string(i) + " is not C-contiguous");
      size_t itemBytes = dtype == HEED_I1                         ? 1
                         : dtype == HEED_I64                      ? 8
                         : dtype == HEED_F32 || dtype == HEED_I32 ? 4
                                                                  : 2;
      if ((size_t)a.itemsize() != itemBytes)
        raise("input " + std::to_string(i) + " has " +
              std::to_string(a.itemsize()) + "-byte elements, the model's " +
              dtypeName(dtype) + " has " + std::to_string(itemBytes));
      std::vector<int64_t> shape(a.shape(), a.shape() + a.ndim());
      heed_tensor *t = nullptr;
      if (heed_tensor_wrap(dtype, (int32_t)shape.size(), shape.data(),
                           const_cast<void *>(a.data()), &t) != HEED_OK)
        raise(heed_last_error());
      tensors.emplace_back(t);
    }
    return tensors;
  }
};

} // namespace

PYBIND11_MODULE(_heed, m) {
  m.doc() = "Heed's runtime for the heed package (internal: use heed.compile "
            "and heed.load)";
  m.def(
      "set_run_error",
      [](py::object type) { runErrorType() = std::move(type); },
      "Sets the exception type run failures raise.");
  m.def("abi_version", &heed_abi_version);
  m.def(
      "runtime_address",
      [] { return reinterpret_cast<uintptr_t>(&heed_abi_version); },
      "The address of heed_abi_version in the libheedrt this module uses "
      "(a model library must resolve it to the same one).");
  py::class_<LoadedModel>(m, "LoadedModel")
      .def(py::init<uintptr_t>())
      .def("inputs", &LoadedModel::inputs)
      .def("outputs", &LoadedModel::outputs)
      .def("dims", &LoadedModel::dims)
      .def("set_threads", &LoadedModel::setThreads)
      .def("memory_bytes", &LoadedModel::memoryBytes)
      .def("run", &LoadedModel::run)
      .def("run_capturing", &LoadedModel::runCapturing)
      .def("time", &LoadedModel::time)
      .def("input_addresses", &LoadedModel::inputAddresses);
}
