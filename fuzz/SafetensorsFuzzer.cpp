//===- SafetensorsFuzzer.cpp - Fuzz target of the safetensors reader ------===//
//
// The input is a .safetensors file, opened from disk with
// SafetensorsFile::open (which maps it). A file that opens must keep the
// promises of Safetensors.h: every tensor's view has the byte size of its
// shape and dtype, and the views cover the data section exactly once, so
// their sizes add up to the file size less the header; each tensor copies to
// the host as the bytes its header entry points at. A file that does not open
// must say why, naming the path.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"
#include "InputFile.h"

#include "heed/io/Json.h"
#include "heed/io/Safetensors.h"

#include <algorithm>

using namespace heed;
using namespace heed::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path =
      fuzz::writeInputFile("input.safetensors", data, size);
  std::string error;
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  if (!file) {
    HEED_FUZZ_CHECK(error.rfind(path + ": ", 0) == 0);
    return 0;
  }
  HEED_FUZZ_CHECK(size >= 8);
  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i)
    headerLen |= (uint64_t)data[i] << (8 * i);
  HEED_FUZZ_CHECK(headerLen <= size - 8);
  const uint8_t *dataSection = data + 8 + headerLen;
  uint64_t dataSize = size - 8 - headerLen;
  JsonValue header;
  HEED_FUZZ_CHECK(
      parseJson(std::string_view((const char *)data + 8, (size_t)headerLen),
                header, error));

  uint64_t covered = 0;
  std::vector<std::string> names = file->names();
  for (const std::string &name : names) {
    const TensorView *view = file->find(name);
    HEED_FUZZ_CHECK(view);
    std::optional<uint64_t> bytes =
        checkedByteSize(view->shape, dtypeSize(view->dtype));
    HEED_FUZZ_CHECK(bytes && *bytes == view->nbytes);
    HEED_FUZZ_CHECK(view->nbytes <= dataSize);
    covered += view->nbytes;
    HostTensor host = copyToHost(*view);
    HEED_FUZZ_CHECK(host.data.size() == view->nbytes);
    // Its bytes are those its header entry's data_offsets point at.
    const JsonValue *entry = header.get(name);
    HEED_FUZZ_CHECK(entry);
    const JsonValue *offsets = entry->get("data_offsets");
    HEED_FUZZ_CHECK(offsets && offsets->isArray() &&
                    offsets->array.size() == 2);
    uint64_t begin = (uint64_t)offsets->array[0].integer;
    HEED_FUZZ_CHECK(begin + view->nbytes <= dataSize);
    HEED_FUZZ_CHECK(
        std::equal(host.data.begin(), host.data.end(), dataSection + begin));
  }
  HEED_FUZZ_CHECK(covered == dataSize);
  return 0;
}
