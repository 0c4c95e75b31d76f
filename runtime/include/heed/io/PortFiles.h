//===- PortFiles.h - Model inputs and outputs as files ----------*- C++ -*-===//
//
// How the command lines (compiled models, heed-run, the reference
// interpreter) read a model's inputs from files and write its outputs, with
// the one convention for bf16, which NumPy has no dtype for:
//
//  - an input is a .npy file or a .safetensors file (the tensor of the
//    input's name, or the file's only tensor); a bf16 input may come as
//    float32 ('<f4', rounded to the nearest bf16, ties to even), as bf16 in
//    a .safetensors file (BF16), or as the raw bf16 bits in a .npy file:
//    '<u2' (`x.view(np.uint16)`) or ml_dtypes' bfloat16, which numpy.save
//    writes as '|V2';
//  - outputs go to DIR/NAME.npy, a bf16 output widened to float32 (exact),
//    or all into one .safetensors file in their own dtypes (BF16 included).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_PORTFILES_H
#define HEED_IO_PORTFILES_H

#include "heed/io/HostTensor.h"

#include <string>
#include <vector>

namespace heed {
namespace io {

/// Reads the model input \p name of \p dtype and \p shape (any shape when
/// null: a model with bounded dimensions checks it) from \p path (a
/// .safetensors file by its extension, else .npy), converting as the file
/// comment says. On failure returns false and sets \p error (which names
/// the input and the file).
bool readInputFile(const std::string &path, const std::string &name,
                   DType dtype, const std::vector<int64_t> *shape,
                   HostTensor &out, std::string &error);

/// Writes \p values as DIR/NAME.npy (bf16 widened to f32), all or nothing:
/// on failure no new file remains, files of earlier runs are untouched and
/// the directories this created are removed again.
bool writeOutputDir(const std::string &dir,
                    const std::vector<std::string> &names,
                    const std::vector<HostTensor> &values, std::string &error);

/// Writes \p values into one .safetensors file at \p path, each in its own
/// dtype, in the given order (written whole or not at all).
bool writeOutputSafetensors(const std::string &path,
                            const std::vector<std::string> &names,
                            const std::vector<HostTensor> &values,
                            std::string &error);

} // namespace io
} // namespace heed

#endif // HEED_IO_PORTFILES_H
