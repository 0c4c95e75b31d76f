//===- OnnxTensors.h - ONNX tensors and element types -----------*- C++ -*-===//
//
// From ONNX TensorProto (inline, typed fields or external data) to host
// tensors, and from ONNX element types to Heed's.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_ONNX_ONNXTENSORS_H
#define HEED_FRONTEND_ONNX_ONNXTENSORS_H

#include "heed/io/HostTensor.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace heed::onnx_import {

/// The name of an ONNX element type ("FLOAT", "INT64", ...).
std::string onnxTypeName(int32_t elemType);

/// The Heed element type of an ONNX one that Heed computes in: FLOAT,
/// FLOAT16, BFLOAT16, INT64, INT32, BOOL. Others have none.
std::optional<DType> heedDType(int32_t elemType);

/// The Heed element type a constant of \p elemType is held in: heedDType,
/// and i64 for the narrower integers (exact); none for DOUBLE, STRING...
std::optional<DType> constantDType(int32_t elemType);

/// Reads \p proto (its raw_data, its typed fields, or its external file
/// relative to \p modelDir, with bounds checks) into \p out, converting the
/// narrower integers to i64. Returns an error message, "" on success.
std::string readTensor(const onnx::TensorProto &proto,
                       const std::string &modelDir, io::HostTensor &out);

/// \p t as a DenseElementsAttr of its own type.
mlir::DenseElementsAttr toAttr(const io::HostTensor &t, mlir::MLIRContext *ctx);

/// The values of an integer or boolean DenseElementsAttr.
llvm::SmallVector<int64_t> intValues(mlir::DenseElementsAttr attr);

/// The values of a DenseElementsAttr as doubles (any element type).
llvm::SmallVector<double> doubleValues(mlir::DenseElementsAttr attr);

} // namespace heed::onnx_import

#endif // HEED_FRONTEND_ONNX_ONNXTENSORS_H
