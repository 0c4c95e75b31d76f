//===- NpyFuzzer.cpp - Fuzz target of the .npy reader ---------------------===//
//
// The input is a .npy file. It goes through parseNpy (from memory) and
// readNpy (from a file, which stops reading at the size the header
// announces), and the two must agree. A tensor that parses must be
// consistent (its data exactly numel * element size bytes, i1 elements 0 or
// 1) and survive encodeNpy and parseNpy unchanged; a failure must say why.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"
#include "InputFile.h"

#include "heed/io/Npy.h"

using namespace heed;
using namespace heed::io;

static bool sameTensor(const HostTensor &a, const HostTensor &b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data == b.data;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  HostTensor parsed;
  std::string error;
  bool ok = parseNpy(data, size, parsed, error, "input");
  HEED_FUZZ_CHECK(ok || error.rfind("input: ", 0) == 0);

  const std::string &path = fuzz::writeInputFile("input.npy", data, size);
  HostTensor read;
  std::string readError;
  bool readOk = readNpy(path, read, readError);
  HEED_FUZZ_CHECK(readOk == ok);
  HEED_FUZZ_CHECK(readOk || readError.rfind(path + ": ", 0) == 0);
  if (!ok)
    return 0;
  HEED_FUZZ_CHECK(sameTensor(read, parsed));

  std::optional<uint64_t> bytes =
      checkedByteSize(parsed.shape, dtypeSize(parsed.dtype));
  HEED_FUZZ_CHECK(bytes && *bytes == parsed.data.size());
  HEED_FUZZ_CHECK(parsed.nbytes() == parsed.data.size());
  if (parsed.dtype == DType::I1)
    for (uint8_t b : parsed.data)
      HEED_FUZZ_CHECK(b == 0 || b == 1);

  std::vector<uint8_t> encoded;
  HEED_FUZZ_CHECK(encodeNpy(parsed, encoded, error));
  HostTensor back;
  HEED_FUZZ_CHECK(parseNpy(encoded.data(), encoded.size(), back, error));
  HEED_FUZZ_CHECK(sameTensor(back, parsed));
  return 0;
}
