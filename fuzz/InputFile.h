//===- InputFile.h - A fuzz input as a file on disk -------------*- C++ -*-===//
//
// Readers that take a path (SafetensorsFile::open, readNpy, the ONNX
// importer) are fuzzed through a file: each input is written to one fixed
// name inside a private temporary folder that nothing else uses, so files an
// input refers to (ONNX external data) resolve inside that folder.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FUZZ_INPUTFILE_H
#define HEED_FUZZ_INPUTFILE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace heed::fuzz {

/// Writes \p size bytes at \p data to the file \p name in the process's
/// private fuzz folder (created on first use under $HEED_FUZZ_TMPDIR, else
/// /dev/shm, else $TMPDIR or /tmp, and removed with its files at exit),
/// replacing what an earlier input left there, and returns the file's path.
/// Aborts when the file cannot be written: a fuzz run without its input would
/// test nothing.
const std::string &writeInputFile(const std::string &name, const uint8_t *data,
                                  size_t size);

} // namespace heed::fuzz

#endif // HEED_FUZZ_INPUTFILE_H
