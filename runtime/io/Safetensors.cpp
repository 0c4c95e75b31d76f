//===- Safetensors.cpp - Reading and writing .safetensors files -----------===//
//
// open() maps the file, parses the JSON header and validates every entry
// against the size of the data section before any view is handed out.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Safetensors.h"
#include "heed/io/Json.h"

#include "FileUtil.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>

using namespace heed;
using namespace heed::io;

namespace {

/// The safetensors name of each dtype we support.
struct DTypeName {
  const char *name;
  DType dtype;
};
constexpr DTypeName kDTypeNames[] = {
    {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
    {"I64", DType::I64}, {"I32", DType::I32}, {"BOOL", DType::I1}};

const char *safetensorsDTypeName(DType dtype) {
  for (const DTypeName &e : kDTypeNames)
    if (e.dtype == dtype)
      return e.name;
  return "?";
}

/// Reads a JSON array of non-negative integers into \p out.
bool readIndexArray(const JsonValue *value, std::vector<int64_t> &out) {
  if (!value || !value->isArray())
    return false;
  for (const JsonValue &e : value->array) {
    if (!e.isInteger() || e.integer < 0)
      return false;
    out.push_back(e.integer);
  }
  return true;
}

/// Validates the header entry \p info of tensor \p name against a data
/// section of \p dataSize bytes at \p data, and fills \p view.
bool parseEntry(const std::string &name, const JsonValue &info,
                const uint8_t *data, uint64_t dataSize, TensorView &view,
                std::string &error) {
  std::string what = "tensor '" + name + "'";
  if (!info.isObject()) {
    error = what + ": header entry is not a JSON object";
    return false;
  }
  const JsonValue *dtype = info.get("dtype");
  if (!dtype || !dtype->isString()) {
    error = what + ": missing or non-string \"dtype\"";
    return false;
  }
  bool known = false;
  for (const DTypeName &e : kDTypeNames)
    if (dtype->string == e.name) {
      view.dtype = e.dtype;
      known = true;
    }
  if (!known) {
    error = what + " has unsupported dtype '" + dtype->string +
            "' (supported: F32, F16, BF16, I64, I32, BOOL)";
    return false;
  }
  view.shape.clear();
  if (!readIndexArray(info.get("shape"), view.shape)) {
    error = what + ": missing \"shape\" or it is not an array of "
                   "non-negative integers";
    return false;
  }
  std::vector<int64_t> offsets;
  if (!readIndexArray(info.get("data_offsets"), offsets) ||
      offsets.size() != 2) {
    error = what + ": missing \"data_offsets\" or it is not an array of two "
                   "non-negative integers";
    return false;
  }
  uint64_t begin = (uint64_t)offsets[0], end = (uint64_t)offsets[1];
  std::string range =
      "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
  if (begin > end) {
    error = what + ": data_offsets " + range + " has begin > end";
    return false;
  }
  if (end > dataSize) {
    error = what + ": data_offsets " + range +
            " extend past the end of the data section (" +
            std::to_string(dataSize) + " bytes)";
    return false;
  }
  std::optional<uint64_t> expected =
      checkedByteSize(view.shape, dtypeSize(view.dtype));
  if (!expected) {
    error = what + ": shape " + shapeToString(view.shape) +
            " is too large: its byte size overflows";
    return false;
  }
  if (*expected != end - begin) {
    error = what + ": data_offsets " + range + " hold " +
            std::to_string(end - begin) + " bytes but shape " +
            shapeToString(view.shape) + " of " + dtype->string + " needs " +
            std::to_string(*expected);
    return false;
  }
  view.data = data + begin;
  view.nbytes = (size_t)(end - begin);
  return true;
}

} // namespace

HostTensor heed::io::copyToHost(const TensorView &view) {
  HostTensor t;
  t.dtype = view.dtype;
  t.shape = view.shape;
  t.data.assign(view.data, view.data + view.nbytes);
  return t;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string &path,
                                                       std::string &error) {
  auto fail = [&](const std::string &what) {
    error = path + ": " + what;
    return nullptr;
  };
  // O_NONBLOCK: a FIFO without a writer must not block the open (it is
  // refused below as not a regular file); regular files ignore the flag.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fail(std::string("cannot stat: ") + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  uint64_t size = (uint64_t)st.st_size;
  if (size == 0) {
    ::close(fd);
    return fail("file is empty; expected a .safetensors file");
  }
  if (size < 8) {
    ::close(fd);
    return fail("file is " + std::to_string(size) +
                " bytes, too short for the 8-byte header length");
  }
  void *mapping = ::mmap(nullptr, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd);
  if (mapping == MAP_FAILED)
    return fail(std::string("cannot map: ") + std::strerror(mapErrno));

  // From here on the destructor unmaps on every path.
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->filePath = path;
  file->mapping = mapping;
  file->mappingSize = (size_t)size;
  const auto *bytes = static_cast<const uint8_t *>(mapping);

  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i)
    headerLen |= (uint64_t)bytes[i] << (8 * i);
  if (headerLen > size - 8)
    return fail("header length " + std::to_string(headerLen) +
                " exceeds file size " + std::to_string(size));
  if (headerLen > kMaxSafetensorsHeaderSize)
    return fail("header length " + std::to_string(headerLen) +
                " exceeds the limit of " +
                std::to_string(kMaxSafetensorsHeaderSize) + " bytes");

  JsonValue header;
  std::string jsonError;
  if (!parseJson(std::string_view(reinterpret_cast<const char *>(bytes + 8),
                                  (size_t)headerLen),
                 header, jsonError))
    return fail("invalid JSON header: " + jsonError);
  if (!header.isObject())
    return fail("the JSON header is not an object");

  const uint8_t *data = bytes + 8 + headerLen;
  uint64_t dataSize = size - 8 - headerLen;
  for (const auto &[name, info] : header.object) {
    if (name == "__metadata__")
      continue;
    if (file->tensors.count(name))
      return fail("duplicate tensor name '" + name + "'");
    TensorView view;
    std::string entryError;
    if (!parseEntry(name, info, data, dataSize, view, entryError))
      return fail(entryError);
    file->tensors.emplace(name, std::move(view));
  }
  // The data must be covered exactly once (the format forbids holes):
  // overlapping tensors or bytes no tensor owns are a malformed (or
  // polyglot) file.
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> spans;
  for (const auto &[name, view] : file->tensors)
    if (view.nbytes)
      spans.emplace_back((uint64_t)(view.data - data),
                         (uint64_t)(view.data - data) + view.nbytes, name);
  std::sort(spans.begin(), spans.end());
  uint64_t covered = 0;
  std::string previous;
  for (const auto &[begin, end, name] : spans) {
    if (begin < covered)
      return fail("tensors '" + previous + "' and '" + name +
                  "' overlap (bytes " + std::to_string(begin) + " to " +
                  std::to_string(covered) + " of the data)");
    if (begin > covered)
      return fail("bytes " + std::to_string(covered) + " to " +
                  std::to_string(begin) + " of the data belong to no tensor");
    covered = end;
    previous = name;
  }
  if (covered != dataSize)
    return fail(std::to_string(dataSize - covered) +
                " trailing bytes after the last tensor");
  return file;
}

const TensorView *SafetensorsFile::find(const std::string &name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> result;
  result.reserve(tensors.size());
  for (const auto &entry : tensors)
    result.push_back(entry.first);
  return result;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping)
    ::munmap(mapping, mappingSize);
}

bool heed::io::writeSafetensors(
    const std::string &path,
    const std::vector<std::pair<std::string, HostTensor>> &tensors,
    std::string &error) {
  auto fail = [&](const std::string &what) {
    error = path + ": " + what;
    return false;
  };
  std::string header = "{";
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto &[name, t] : tensors) {
    if (name == "__metadata__")
      return fail("'__metadata__' is reserved and cannot name a tensor");
    if (!isValidUtf8(name))
      return fail("tensor name '" + name + "' is not valid UTF-8");
    if (!seen.insert(name).second)
      return fail("duplicate tensor name '" + name + "'");
    std::optional<uint64_t> expected =
        checkedByteSize(t.shape, dtypeSize(t.dtype));
    if (!expected || *expected != t.data.size())
      return fail("tensor '" + name + "' of shape " + shapeToString(t.shape) +
                  " and dtype " + dtypeName(t.dtype) + " has " +
                  std::to_string(t.data.size()) +
                  " data bytes but its shape needs " +
                  (expected ? std::to_string(*expected) : std::string("more")));
    if (header.size() > 1)
      header += ',';
    appendJsonString(header, name);
    header += ":{\"dtype\":\"";
    header += safetensorsDTypeName(t.dtype);
    header += "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i)
        header += ',';
      header += std::to_string(t.shape[i]);
    }
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + t.data.size()) + "]}";
    offset += t.data.size();
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');

  uint8_t lengthBytes[8];
  for (int i = 0; i < 8; ++i)
    lengthBytes[i] = (uint8_t)((uint64_t)header.size() >> (8 * i));
  std::vector<std::pair<const void *, size_t>> pieces;
  pieces.emplace_back(lengthBytes, 8);
  pieces.emplace_back(header.data(), header.size());
  for (const auto &entry : tensors)
    pieces.emplace_back(entry.second.data.data(), entry.second.data.size());
  return writeFileAtomically(path, pieces, error);
}
