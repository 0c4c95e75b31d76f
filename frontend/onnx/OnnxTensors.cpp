//===- OnnxTensors.cpp - ONNX tensors and element types -------------------===//

#include "OnnxTensors.h"

#include "heed/ShapeUtils.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;
using onnx::TensorProto;

std::string onnx_import::onnxTypeName(int32_t elemType) {
  if (TensorProto::DataType_IsValid(elemType))
    return TensorProto::DataType_Name((TensorProto::DataType)elemType);
  return "type " + std::to_string(elemType);
}

std::optional<DType> onnx_import::heedDType(int32_t elemType) {
  switch (elemType) {
  case TensorProto::FLOAT:
    return DType::F32;
  case TensorProto::FLOAT16:
    return DType::F16;
  case TensorProto::BFLOAT16:
    return DType::BF16;
  case TensorProto::INT64:
    return DType::I64;
  case TensorProto::INT32:
    return DType::I32;
  case TensorProto::BOOL:
    return DType::I1;
  default:
    return std::nullopt;
  }
}

std::optional<DType> onnx_import::constantDType(int32_t elemType) {
  switch (elemType) {
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::UINT32:
    return DType::I64;
  default:
    return heedDType(elemType);
  }
}

namespace {

/// Bytes per element of the stored (not the converted) ONNX type.
size_t storedSize(int32_t elemType) {
  switch (elemType) {
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    return 1;
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    return 2;
  case TensorProto::INT32:
  case TensorProto::UINT32:
  case TensorProto::FLOAT:
    return 4;
  default:
    return 8;
  }
}

/// Element \p i of little-endian \p bytes of ONNX type \p elemType, widened
/// to i64 (integer types only).
int64_t storedInteger(const uint8_t *bytes, int32_t elemType, int64_t i) {
  switch (elemType) {
  case TensorProto::INT8:
    return (int8_t)bytes[i];
  case TensorProto::UINT8:
    return bytes[i];
  case TensorProto::INT16: {
    int16_t v;
    std::memcpy(&v, bytes + 2 * i, 2);
    return v;
  }
  case TensorProto::UINT16: {
    uint16_t v;
    std::memcpy(&v, bytes + 2 * i, 2);
    return v;
  }
  default: {
    uint32_t v;
    std::memcpy(&v, bytes + 4 * i, 4);
    return v;
  }
  }
}

/// Converts \p count elements stored as \p elemType in \p bytes into
/// \p out (already shaped and typed).
void convertStored(const uint8_t *bytes, int32_t elemType,
                   io::HostTensor &out) {
  int64_t n = out.numel();
  if (n == 0)
    return; // no bytes to copy (and memcpy must not be given null)
  if (heedDType(elemType)) {
    std::memcpy(out.data.data(), bytes, out.nbytes());
    if (out.dtype == DType::I1)
      for (uint8_t &b : out.data)
        b = b != 0;
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = storedInteger(bytes, elemType, i);
    std::memcpy(out.data.data() + 8 * i, &v, 8);
  }
}

std::string readExternal(const TensorProto &proto, const std::string &modelDir,
                         size_t want, std::vector<uint8_t> &bytes) {
  std::string location;
  uint64_t offset = 0, length = want;
  bool hasLength = false;
  for (const auto &entry : proto.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      uint64_t v;
      if (llvm::StringRef(entry.value()).getAsInteger(10, v))
        return "external data " + entry.key() + " '" + entry.value() +
               "' is not a number";
      (entry.key() == "offset" ? offset : length) = v;
      hasLength |= entry.key() == "length";
    }
  }
  if (location.empty())
    return "external data without a location";
  if (llvm::sys::path::is_absolute(location) ||
      llvm::StringRef(location).contains(".."))
    return "external data location '" + location +
           "' must be a relative path inside the model's folder";
  if (hasLength && length != want)
    return "external data length " + std::to_string(length) +
           " does not match the tensor's " + std::to_string(want) + " bytes";
  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, want, offset,
                                                 /*IsVolatile=*/false);
  uint64_t size = 0;
  if (llvm::sys::fs::file_size(path, size) || offset > size ||
      want > size - offset)
    return "external data file " + path.str().str() + " holds " +
           std::to_string(size) + " bytes; the tensor needs " +
           std::to_string(want) + " at offset " + std::to_string(offset);
  if (!buffer)
    return "cannot read " + path.str().str() + ": " +
           buffer.getError().message();
  const auto *begin = (const uint8_t *)(*buffer)->getBufferStart();
  bytes.assign(begin, begin + want);
  return "";
}

} // namespace

std::string onnx_import::readTensor(const TensorProto &proto,
                                    const std::string &modelDir,
                                    io::HostTensor &out) {
  int32_t type = proto.data_type();
  std::optional<DType> dtype = constantDType(type);
  if (!dtype)
    return "tensor of element type " + onnxTypeName(type) +
           " (Heed computes in FLOAT, FLOAT16, BFLOAT16, INT64, INT32 and "
           "BOOL)";
  out.dtype = *dtype;
  out.shape.assign(proto.dims().begin(), proto.dims().end());
  std::optional<uint64_t> bytes = io::checkedByteSize(out.shape, 8);
  if (!bytes)
    return "tensor with a negative or too large shape " +
           io::shapeToString(out.shape);
  int64_t n = out.numel();
  size_t stored = storedSize(type) * (size_t)n;
  // The values are allocated only once the model is known to hold them all:
  // a few bytes of dims must not make the importer allocate terabytes.
  if (proto.data_location() == TensorProto::EXTERNAL) {
    std::vector<uint8_t> raw;
    std::string error = readExternal(proto, modelDir, stored, raw);
    if (!error.empty())
      return error;
    out.data.assign(out.nbytes(), 0);
    convertStored(raw.data(), type, out);
    return "";
  }
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != stored)
      return "raw_data holds " + std::to_string(proto.raw_data().size()) +
             " bytes; shape " + io::shapeToString(out.shape) + " of " +
             onnxTypeName(type) + " needs " + std::to_string(stored);
    out.data.assign(out.nbytes(), 0);
    convertStored((const uint8_t *)proto.raw_data().data(), type, out);
    return "";
  }
  // FLOAT, INT64 and UINT32 have fields of their own; INT32, INT16, INT8,
  // UINT16, UINT8, BOOL, FLOAT16 and BFLOAT16 are stored one per int32_data
  // entry (the halves as bit patterns).
  int64_t have = type == TensorProto::FLOAT    ? proto.float_data_size()
                 : type == TensorProto::INT64  ? proto.int64_data_size()
                 : type == TensorProto::UINT32 ? proto.uint64_data_size()
                                               : proto.int32_data_size();
  if (have != n)
    return "tensor holds " + std::to_string(have) + " values; shape " +
           io::shapeToString(out.shape) + " needs " + std::to_string(n);
  out.data.assign(out.nbytes(), 0);
  if (n == 0)
    return ""; // no values to copy (and memcpy must not be given null)
  switch (type) {
  case TensorProto::FLOAT:
    std::memcpy(out.data.data(), proto.float_data().data(), 4 * n);
    return "";
  case TensorProto::INT64:
    std::memcpy(out.data.data(), proto.int64_data().data(), 8 * n);
    return "";
  case TensorProto::UINT32:
    for (int64_t i = 0; i < n; ++i)
      io::storeElement(out, i, (double)proto.uint64_data(i));
    return "";
  default:
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = proto.int32_data(i);
      switch (out.dtype) {
      case DType::F16:
      case DType::BF16: {
        uint16_t bits = (uint16_t)v;
        std::memcpy(out.data.data() + 2 * i, &bits, 2);
        break;
      }
      case DType::I32:
        std::memcpy(out.data.data() + 4 * i, &v, 4);
        break;
      default:
        io::storeElement(out, i, (double)v);
      }
    }
    return "";
  }
}

DenseElementsAttr onnx_import::toAttr(const io::HostTensor &t,
                                      MLIRContext *ctx) {
  auto type = RankedTensorType::get(t.shape, toElementType(t.dtype, ctx));
  // One repeated value: a splat, however large the tensor.
  size_t size = dtypeSize(t.dtype);
  bool splat = t.numel() > 1;
  for (size_t i = size; splat && i < t.data.size(); i += size)
    splat = std::memcmp(t.data.data(), t.data.data() + i, size) == 0;
  if (splat && t.dtype == DType::I1)
    return DenseElementsAttr::get(type, t.data[0] != 0);
  if (splat)
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>((const char *)t.data.data(), size));
  if (t.dtype == DType::I1) {
    SmallVector<bool> values(t.data.begin(), t.data.end());
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>((const char *)t.data.data(), t.data.size()));
}

SmallVector<int64_t> onnx_import::intValues(DenseElementsAttr attr) {
  SmallVector<int64_t> out;
  Type et = attr.getElementType();
  for (APInt v : attr.getValues<APInt>())
    out.push_back(et.isInteger(1) ? (int64_t)v.getBoolValue()
                                  : v.getSExtValue());
  return out;
}

SmallVector<double> onnx_import::doubleValues(DenseElementsAttr attr) {
  SmallVector<double> out;
  if (isa<FloatType>(attr.getElementType())) {
    for (APFloat f : attr.getValues<APFloat>()) {
      bool lost;
      f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      out.push_back(f.convertToDouble());
    }
    return out;
  }
  for (int64_t v : intValues(attr))
    out.push_back((double)v);
  return out;
}
