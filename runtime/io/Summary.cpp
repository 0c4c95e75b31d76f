//===- Summary.cpp - One-line summaries of tensors ------------------------===//

#include "heed/io/Summary.h"

#include <algorithm>
#include <cstdio>

namespace heed::io {

std::string formatSummary(std::string_view name, const HostTensor &t) {
  std::string s(name);
  s += ": ";
  s += dtypeName(t.dtype);
  s += shapeToString(t.shape);
  s += " = [";
  int64_t shown = std::min(t.numel(), kSummaryElements);
  for (int64_t i = 0; i < shown; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", loadElement(t, i));
    s += i ? ", " : "";
    s += buf;
  }
  s += t.numel() > shown ? ", ...]\n" : "]\n";
  return s;
}

} // namespace heed::io
