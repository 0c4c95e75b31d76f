//===- Summary.h - One-line summaries of tensors ----------------*- C++ -*-===//
//
// What heed-run and compiled model executables print for each output when
// they write no files: the name, the type and the first elements.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_SUMMARY_H
#define HEED_IO_SUMMARY_H

#include "heed/io/HostTensor.h"

#include <string>
#include <string_view>

namespace heed {
namespace io {

/// The number of elements a summary shows.
constexpr int64_t kSummaryElements = 6;

/// "y: f32[2, 3] = [v0, v1, v2, v3, v4, v5, ...]\n": \p name, the dtype and
/// shape of \p t, then its first kSummaryElements elements in row-major
/// order, each printed with "%.6g", and ", ..." when there are more.
std::string formatSummary(std::string_view name, const HostTensor &t);

} // namespace io
} // namespace heed

#endif // HEED_IO_SUMMARY_H
