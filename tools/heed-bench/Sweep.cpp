//===- Sweep.cpp - The points of a --sweep --------------------------------===//

#include "Sweep.h"

#include "llvm/ADT/StringRef.h"

namespace heed::bench {

bool parseSweepFlags(llvm::ArrayRef<std::string> flags,
                     std::vector<SweepAxis> &axes, std::string &error) {
  for (llvm::StringRef flag : flags) {
    auto fail = [&](const std::string &why) {
      error = "--sweep " + flag.str() + ": " + why;
      return false;
    };
    auto [name, list] = flag.split('=');
    if (name.empty() || !flag.contains('='))
      return fail("expected NAME=V1,V2,...");
    if (list.empty())
      return fail("no values after '='");
    SweepAxis axis{name.str(), {}};
    llvm::SmallVector<llvm::StringRef> items;
    list.split(items, ',');
    for (llvm::StringRef item : items) {
      int64_t v;
      if (item.getAsInteger(10, v) || v < 1)
        return fail("'" + item.str() + "' is not a positive integer");
      axis.values.push_back(v);
    }
    for (const SweepAxis &other : axes)
      if (other.name == axis.name)
        return fail("the dimension '" + axis.name + "' is swept twice");
    axes.push_back(std::move(axis));
  }
  return true;
}

std::vector<SweepPoint> sweepPoints(llvm::ArrayRef<SweepAxis> axes) {
  std::vector<SweepPoint> points = {{}};
  for (const SweepAxis &axis : axes) {
    std::vector<SweepPoint> next;
    for (const SweepPoint &p : points)
      for (int64_t v : axis.values) {
        SweepPoint q = p;
        q.emplace_back(axis.name, v);
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  return points;
}

std::map<std::string, int64_t> pointDims(const SweepPoint &point) {
  return std::map<std::string, int64_t>(point.begin(), point.end());
}

std::string describePoint(const SweepPoint &point) {
  std::string s;
  for (const auto &[name, value] : point)
    s += (s.empty() ? "" : " ") + name + "=" + std::to_string(value);
  return s;
}

} // namespace heed::bench
