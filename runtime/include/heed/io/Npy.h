//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The .npy format (format versions 1.0, 2.0 and 3.0) for little-endian,
// C-ordered arrays of the dtypes Heed supports:
//
//   '<f4' f32, '<f2' f16, '<i8' i64, '<i4' i32, '|b1' i1.
//
// bf16 has no NumPy dtype: '<u2' and '|V2' (ml_dtypes' bfloat16 as
// numpy.save writes it) are read as bf16 bits; writing bf16 fails (see
// PortFiles.h for how outputs widen it, or use a .safetensors file).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_NPY_H
#define HEED_IO_NPY_H

#include "heed/io/HostTensor.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace heed {
namespace io {

/// Reads the .npy file at \p path into \p out. On failure returns false and
/// sets \p error to a message that starts with \p path.
bool readNpy(const std::string &path, HostTensor &out, std::string &error);

/// Parses the \p size bytes of a .npy file at \p bytes into \p out. Every
/// read is bounds-checked and the data size is checked against the file size
/// before anything is allocated, so corrupt input yields an error, never a
/// crash. Error messages start with \p name. i1 elements are normalised to 0
/// or 1.
bool parseNpy(const uint8_t *bytes, size_t size, HostTensor &out,
              std::string &error, const std::string &name = "<memory>");

/// Encodes \p t as the bytes of a .npy file, byte-for-byte as numpy.save
/// would write them: format 1.0, or 2.0 when the header exceeds 65535 bytes.
/// Fails when \p t is bf16 or its data size does not match its shape.
bool encodeNpy(const HostTensor &t, std::vector<uint8_t> &out,
               std::string &error);

/// Writes \p t to \p path in the format of encodeNpy. The bytes go to a
/// temporary file in the same directory which is then renamed over \p path,
/// so a failure never leaves a partly written file behind. On failure
/// returns false and sets \p error to a message that starts with \p path.
bool writeNpy(const std::string &path, const HostTensor &t, std::string &error);

/// Writes several .npy files all or nothing: each is written complete to a
/// temporary beside its path, and only when all are written are they
/// renamed into place; on failure no new file remains and the files that
/// were at those paths are untouched.
bool writeNpyFiles(
    const std::vector<std::pair<std::string, const HostTensor *>> &files,
    std::string &error);

} // namespace io
} // namespace heed

#endif // HEED_IO_NPY_H
