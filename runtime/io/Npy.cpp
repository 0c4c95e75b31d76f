//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// The header of a .npy file is a Python dict literal such as
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// This file parses the small subset of Python literal syntax numpy writes
// there, with every read bounds-checked.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Npy.h"

#include "FileUtil.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

using namespace heed;
using namespace heed::io;

namespace {

/// The six bytes every .npy file starts with.
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
/// numpy aligns the start of the data to this many bytes.
constexpr size_t kArrayAlign = 64;
/// numpy leaves room for this many digits in the first dimension so that a
/// file can grow in place.
constexpr size_t kGrowthAxisMaxDigits = 21;

/// The .npy descr of each dtype we support.
struct DescrEntry {
  const char *descr;
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {{"<f4", DType::F32},
                                  {"<f2", DType::F16},
                                  {"<i8", DType::I64},
                                  {"<i4", DType::I32},
                                  {"|b1", DType::I1}};

/// Descrs read as bf16 bits (NumPy has no bf16): uint16, and the two-byte
/// void that numpy.save writes for ml_dtypes' bfloat16. Never written.
constexpr const char *kBf16BitsDescrs[] = {"<u2", "|V2"};

/// The three keys a header holds.
enum HeaderKey { KeyDescr, KeyFortranOrder, KeyShape, NumKeys };
constexpr const char *kKeyNames[NumKeys] = {"descr", "fortran_order", "shape"};

/// The parsed header dict.
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// Parses the Python dict literal numpy writes as the header.
class HeaderParser {
public:
  HeaderParser(const char *text, size_t size) : text(text), size(size) {}

  bool parse(NpyHeader &out, std::string &error) {
    if (!parseDict(out)) {
      error = message;
      return false;
    }
    return true;
  }

private:
  const char *text;
  size_t size;
  size_t pos = 0;
  std::string message;
  bool seen[NumKeys] = {false, false, false};

  bool atEnd() const { return pos >= size; }
  char peek() const { return atEnd() ? '\0' : text[pos]; }

  bool fail(const std::string &what) {
    message = "malformed header at byte " + std::to_string(pos) + ": " + what;
    return false;
  }

  void skipSpace() {
    while (!atEnd() && (text[pos] == ' ' || text[pos] == '\t' ||
                        text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool expect(char c, const char *what) {
    skipSpace();
    if (peek() != c)
      return fail(std::string("expected ") + what);
    ++pos;
    return true;
  }

  bool parseDict(NpyHeader &out) {
    if (!expect('{', "'{' at the start of the header dict"))
      return false;
    while (true) {
      skipSpace();
      if (peek() == '}')
        break;
      std::string key;
      if (!parseString(key) || !expect(':', "':' after a dict key"))
        return false;
      if (!parseEntry(key, out))
        return false;
      skipSpace();
      if (peek() == ',') {
        ++pos;
        continue;
      }
      if (peek() != '}')
        return fail("expected ',' or '}' in the header dict");
    }
    ++pos; // '}'
    skipSpace();
    if (!atEnd())
      return fail("unexpected text after the header dict");
    for (int k = 0; k < NumKeys; ++k)
      if (!seen[k]) {
        message = std::string("header has no '") + kKeyNames[k] + "' key";
        return false;
      }
    return true;
  }

  bool parseEntry(const std::string &key, NpyHeader &out) {
    int k = 0;
    while (k < NumKeys && key != kKeyNames[k])
      ++k;
    if (k == NumKeys) {
      message = "header has unexpected key '" + key + "'";
      return false;
    }
    if (seen[k]) {
      message = "header has key '" + key + "' twice";
      return false;
    }
    seen[k] = true;
    skipSpace();
    switch (k) {
    case KeyDescr:
      if (peek() == '[')
        return fail("structured (record) dtypes are not supported");
      return parseString(out.descr);
    case KeyFortranOrder:
      return parseBool(out.fortranOrder);
    default:
      return parseShape(out.shape);
    }
  }

  bool parseString(std::string &out) {
    skipSpace();
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return fail("expected a quoted string");
    size_t start = ++pos;
    while (!atEnd() && text[pos] != quote) {
      if (text[pos] == '\\')
        return fail("escape sequences are not supported in header strings");
      ++pos;
    }
    if (atEnd())
      return fail("unterminated string");
    out.assign(text + start, pos - start);
    ++pos;
    return true;
  }

  bool parseBool(bool &out) {
    auto matches = [&](const char *word, size_t n) {
      return size - pos >= n && std::memcmp(text + pos, word, n) == 0;
    };
    if (matches("True", 4)) {
      out = true;
      pos += 4;
      return true;
    }
    if (matches("False", 5)) {
      out = false;
      pos += 5;
      return true;
    }
    return fail("'fortran_order' must be True or False");
  }

  bool parseShape(std::vector<int64_t> &out) {
    if (peek() != '(')
      return fail("'shape' must be a tuple of integers");
    ++pos;
    bool trailingComma = false;
    while (true) {
      skipSpace();
      if (peek() == ')')
        break;
      int64_t dim;
      if (!parseDim(dim))
        return false;
      out.push_back(dim);
      skipSpace();
      trailingComma = false;
      if (peek() == ',') {
        ++pos;
        trailingComma = true;
        continue;
      }
      if (peek() != ')')
        return fail("expected ',' or ')' in 'shape'");
    }
    ++pos; // ')'
    // In Python "(3)" is the integer 3, not a tuple.
    if (out.size() == 1 && !trailingComma)
      return fail("'shape' must be a tuple of integers");
    return true;
  }

  bool parseDim(int64_t &out) {
    if (peek() == '-')
      return fail("negative dimension in 'shape'");
    if (peek() < '0' || peek() > '9')
      return fail("expected an integer in 'shape'");
    int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      int digit = peek() - '0';
      if (value > (INT64_MAX - digit) / 10)
        return fail("dimension in 'shape' is too large");
      value = value * 10 + digit;
      ++pos;
    }
    if (peek() == 'L') // Python 2's long suffix, in files from old numpy.
      ++pos;
    out = value;
    return true;
  }
};

/// Reads a little-endian unsigned integer of \p n bytes.
uint64_t readLE(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/// Maps a header descr to a DType, or explains why it is not supported.
bool descrToDType(const std::string &descr, DType &dtype, std::string &error) {
  for (const DescrEntry &e : kDescrs)
    if (descr == e.descr) {
      dtype = e.dtype;
      return true;
    }
  for (const char *bits : kBf16BitsDescrs)
    if (descr == bits) {
      dtype = DType::BF16;
      return true;
    }
  if (!descr.empty() && descr[0] == '>') {
    error = "big-endian dtype '" + descr +
            "' is not supported; convert with array.astype('<" +
            descr.substr(1) + "')";
    return false;
  }
  error = "unsupported dtype '" + descr +
          "' (supported: '<f4', '<f2', '<i8', '<i4', '|b1', and bf16 bits "
          "as '<u2' or '|V2')";
  return false;
}

} // namespace

bool heed::io::parseNpy(const uint8_t *bytes, size_t size, HostTensor &out,
                        std::string &error, const std::string &name) {
  auto fail = [&](const std::string &what) {
    error = name + ": " + what;
    return false;
  };
  if (size == 0)
    return fail("file is empty; expected a .npy file");
  if (std::memcmp(bytes, kMagic, std::min(size, kMagicLen)) != 0)
    return fail("not a .npy file (it does not start with \"\\x93NUMPY\")");
  if (size < kMagicLen + 2)
    return fail("file is " + std::to_string(size) +
                " bytes, too short for a .npy header");
  unsigned major = bytes[6], minor = bytes[7];
  size_t lenBytes;
  if (major == 1 && minor == 0)
    lenBytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lenBytes = 4;
  else
    return fail("unsupported .npy format version " + std::to_string(major) +
                "." + std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  size_t prefix = kMagicLen + 2 + lenBytes;
  if (size < prefix)
    return fail("file is " + std::to_string(size) +
                " bytes, too short for a .npy header");
  uint64_t headerLen = readLE(bytes + kMagicLen + 2, lenBytes);
  if (headerLen > size - prefix)
    return fail("header length " + std::to_string(headerLen) +
                " exceeds file size " + std::to_string(size));

  NpyHeader header;
  std::string headerError;
  HeaderParser parser(reinterpret_cast<const char *>(bytes + prefix),
                      (size_t)headerLen);
  if (!parser.parse(header, headerError))
    return fail(headerError);

  DType dtype;
  if (!descrToDType(header.descr, dtype, headerError))
    return fail(headerError);
  if (header.fortranOrder)
    return fail("Fortran-order arrays are not supported; save with "
                "numpy.ascontiguousarray");

  size_t dataStart = prefix + (size_t)headerLen;
  uint64_t available = size - dataStart;
  std::optional<uint64_t> expected =
      checkedByteSize(header.shape, dtypeSize(dtype));
  if (!expected)
    return fail("shape " + shapeToString(header.shape) +
                " is too large: its byte size overflows");
  if (*expected != available)
    return fail(std::string(*expected > available ? "truncated data"
                                                  : "trailing bytes") +
                ": shape " + shapeToString(header.shape) + " of '" +
                header.descr + "' needs " + std::to_string(*expected) +
                " data bytes but the file has " + std::to_string(available));

  out.dtype = dtype;
  out.shape = std::move(header.shape);
  out.data.assign(bytes + dataStart, bytes + size);
  if (dtype == DType::I1)
    for (uint8_t &b : out.data)
      b = b != 0;
  return true;
}

/// How many bytes a .npy file starting with \p bytes can have: its prefix,
/// header and the data its header announces. Nullopt while more bytes are
/// needed to tell; 0 when the bytes are no .npy file (parseNpy says why).
static std::optional<uint64_t> npyFileSize(const uint8_t *bytes, size_t size) {
  if (std::memcmp(bytes, kMagic, std::min(size, kMagicLen)) != 0)
    return 0;
  if (size < kMagicLen + 2)
    return std::nullopt;
  unsigned major = bytes[6];
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicLen + 2 + lenBytes;
  if (size < prefix)
    return std::nullopt;
  uint64_t headerLen = readLE(bytes + kMagicLen + 2, lenBytes);
  if (size - prefix < headerLen)
    return std::nullopt;
  NpyHeader header;
  std::string ignored;
  DType dtype;
  HeaderParser parser(reinterpret_cast<const char *>(bytes + prefix),
                      (size_t)headerLen);
  if (!parser.parse(header, ignored) ||
      !descrToDType(header.descr, dtype, ignored))
    return 0;
  std::optional<uint64_t> data =
      checkedByteSize(header.shape, dtypeSize(dtype));
  if (!data || *data > UINT64_MAX - prefix - headerLen)
    return 0;
  return prefix + headerLen + *data;
}

bool heed::io::readNpy(const std::string &path, HostTensor &out,
                       std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    error = path + ": is a directory";
    return false;
  }
  // O_NONBLOCK for the open only: a FIFO without a writer then reads as
  // empty instead of blocking forever.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0)
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::vector<uint8_t> bytes;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    bytes.reserve((size_t)st.st_size);
  // Read no more than the header announces (plus one byte, to see trailing
  // bytes): a stream that never ends (/dev/zero) stops at once.
  std::optional<uint64_t> limit;
  uint8_t buf[1 << 16];
  while (!limit || bytes.size() <= *limit) {
    size_t want = sizeof(buf);
    if (limit)
      want = std::min<uint64_t>(want, *limit + 1 - bytes.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n < 0) {
      error = path + ": cannot read: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0)
      break;
    bytes.insert(bytes.end(), buf, buf + n);
    if (!limit) {
      limit = npyFileSize(bytes.data(), bytes.size());
      if (limit && *limit == 0)
        break; // not a .npy file: parseNpy says why
    }
  }
  ::close(fd);
  return parseNpy(bytes.data(), bytes.size(), out, error, path);
}

/// Builds the magic, version, header length and header that precede the data
/// of \p t: exactly what numpy.lib.format._write_array_header produces.
static bool encodeNpyHeader(const HostTensor &t, std::string &out,
                            std::string &error) {
  const char *descr = nullptr;
  for (const DescrEntry &e : kDescrs)
    if (e.dtype == t.dtype)
      descr = e.descr;
  if (!descr) {
    error = std::string(dtypeName(t.dtype)) +
            " has no NumPy dtype; convert it to f32 or use .safetensors";
    return false;
  }
  std::optional<uint64_t> expected =
      checkedByteSize(t.shape, dtypeSize(t.dtype));
  if (!expected || *expected != t.data.size()) {
    error = "tensor of shape " + shapeToString(t.shape) + " and dtype " +
            dtypeName(t.dtype) + " has " + std::to_string(t.data.size()) +
            " data bytes but its shape needs " +
            (expected ? std::to_string(*expected) : std::string("more"));
    return false;
  }

  std::string header = "{'descr': '";
  header += descr;
  header += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i)
      header += ", ";
    header += std::to_string(t.shape[i]);
  }
  if (t.shape.size() == 1)
    header += ",";
  header += "), }";
  if (!t.shape.empty()) {
    size_t digits = std::to_string(t.shape[0]).size();
    if (digits < kGrowthAxisMaxDigits)
      header.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  // The header ends with '\n' and is padded with spaces so that the data
  // starts on a kArrayAlign boundary; version 1.0 stores its length in 16
  // bits, version 2.0 in 32.
  size_t hlen = header.size() + 1;
  size_t lenBytes = 2;
  size_t padLen = kArrayAlign - (kMagicLen + 2 + lenBytes + hlen) % kArrayAlign;
  if (hlen + padLen > 0xFFFF) {
    lenBytes = 4;
    padLen = kArrayAlign - (kMagicLen + 2 + lenBytes + hlen) % kArrayAlign;
  }
  uint64_t total = hlen + padLen;
  header.append(padLen, ' ');
  header += '\n';

  out.assign(kMagic, kMagicLen);
  out += (char)(lenBytes == 2 ? 1 : 2);
  out += '\0';
  for (size_t i = 0; i < lenBytes; ++i)
    out += (char)(uint8_t)(total >> (8 * i));
  out += header;
  return true;
}

bool heed::io::encodeNpy(const HostTensor &t, std::vector<uint8_t> &out,
                         std::string &error) {
  std::string header;
  if (!encodeNpyHeader(t, header, error))
    return false;
  out.assign(header.begin(), header.end());
  out.insert(out.end(), t.data.begin(), t.data.end());
  return true;
}

bool heed::io::writeNpy(const std::string &path, const HostTensor &t,
                        std::string &error) {
  std::string header;
  if (!encodeNpyHeader(t, header, error)) {
    error = path + ": " + error;
    return false;
  }
  return writeFileAtomically(
      path, {{header.data(), header.size()}, {t.data.data(), t.data.size()}},
      error);
}

bool heed::io::writeNpyFiles(
    const std::vector<std::pair<std::string, const HostTensor *>> &files,
    std::string &error) {
  // Every file complete beside its place first; only then the renames.
  PendingFiles pending;
  for (const auto &[path, tensor] : files) {
    std::string header;
    if (!encodeNpyHeader(*tensor, header, error)) {
      error = path + ": " + error;
      return false;
    }
    if (!pending.add(path,
                     {{header.data(), header.size()},
                      {tensor->data.data(), tensor->data.size()}},
                     error))
      return false;
  }
  return pending.commit(error);
}
