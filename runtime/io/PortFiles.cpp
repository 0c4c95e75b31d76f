//===- PortFiles.cpp - Model inputs and outputs as files ------------------===//

#include "heed/io/PortFiles.h"
#include "FileUtil.h"
#include "heed/io/Npy.h"
#include "heed/io/Safetensors.h"

#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace heed {
namespace io {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// "bf16[2, 3]".
std::string typeString(DType dtype, const std::vector<int64_t> &shape) {
  return std::string(dtypeName(dtype)) + shapeToString(shape);
}

/// \p t converted element by element to \p dtype (f32 to bf16 rounds to
/// nearest even, bf16 to f32 is exact: storeElement's rules).
HostTensor converted(const HostTensor &t, DType dtype) {
  HostTensor out;
  out.dtype = dtype;
  out.shape = t.shape;
  out.data.resize(out.nbytes());
  for (int64_t i = 0; i < t.numel(); ++i)
    storeElement(out, i, loadElement(t, i));
  return out;
}

} // namespace

bool readInputFile(const std::string &path, const std::string &name,
                   DType dtype, const std::vector<int64_t> *shape,
                   HostTensor &out, std::string &error) {
  HostTensor t;
  if (endsWith(path, ".safetensors")) {
    std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
    if (!file) {
      error = "input '" + name + "': " + error;
      return false;
    }
    const TensorView *view = file->find(name);
    std::vector<std::string> names = file->names();
    if (!view && names.size() == 1)
      view = file->find(names[0]);
    if (!view) {
      std::string list;
      for (const std::string &n : names)
        list += (list.empty() ? "" : ", ") + n;
      error = "input '" + name + "': " + path + " has no tensor '" + name +
              "' (it has " + (list.empty() ? "none" : list) + ")";
      return false;
    }
    t = copyToHost(*view);
  } else if (!readNpy(path, t, error)) {
    error = "input '" + name + "': " + error;
    return false;
  }
  // bf16 from float32: rounded to nearest even.
  if (dtype == DType::BF16 && t.dtype == DType::F32)
    t = converted(t, DType::BF16);
  if (t.dtype != dtype || (shape && t.shape != *shape)) {
    error = "input '" + name + "' is " + typeString(t.dtype, t.shape) + " in " +
            path + " but the model expects " +
            (shape ? typeString(dtype, *shape) : std::string(dtypeName(dtype)));
    if (t.dtype == DType::BF16 && dtype != DType::BF16 &&
        !endsWith(path, ".safetensors"))
      error += " (a .npy file of '<u2' or '|V2' elements holds bf16 bits)";
    return false;
  }
  out = std::move(t);
  return true;
}

bool writeOutputDir(const std::string &dir,
                    const std::vector<std::string> &names,
                    const std::vector<HostTensor> &values, std::string &error) {
  std::vector<HostTensor> widened(values.size());
  std::vector<std::pair<std::string, const HostTensor *>> files;
  for (size_t i = 0; i < values.size(); ++i) {
    const HostTensor *value = &values[i];
    if (value->dtype == DType::BF16) {
      widened[i] = converted(*value, DType::F32);
      value = &widened[i];
    }
    files.emplace_back((fs::path(dir) / (names[i] + ".npy")).string(), value);
  }
  std::vector<std::string> created;
  if (!createDirectories(dir, created, error))
    return false;
  if (!writeNpyFiles(files, error)) {
    removeDirectories(created);
    return false;
  }
  return true;
}

bool writeOutputSafetensors(const std::string &path,
                            const std::vector<std::string> &names,
                            const std::vector<HostTensor> &values,
                            std::string &error) {
  std::vector<std::pair<std::string, HostTensor>> tensors;
  for (size_t i = 0; i < values.size(); ++i)
    tensors.emplace_back(names[i], values[i]);
  return writeSafetensors(path, tensors, error);
}

} // namespace io
} // namespace heed
