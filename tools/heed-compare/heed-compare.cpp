//===- heed-compare.cpp - Compare two .npy files element by element -------===//
//
// heed-compare A.npy B.npy [--rtol R] [--atol A]
//
// A and B must have the same dtype and shape. Element i passes when
// |a_i - b_i| <= atol + rtol * |b_i| (B is the reference), or when both are
// the same infinity, or both are NaN. Prints one line:
//
//   max abs error E at [i, j] (a=.., b=..), max rel error R; N of M elements
//   outside tolerance
//
// and exits 0 when every element passes, 1 when some do not, and 2 on usage
// errors, unreadable files and files of different dtype or shape
// ("heed-compare: error: ..." on stderr).
//
//===----------------------------------------------------------------------===//

#include "heed/io/Npy.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using namespace heed;

namespace {

const char kUsage[] =
    "usage: heed-compare A.npy B.npy [--rtol R] [--atol A]\n"
    "\n"
    "Compares A with the reference B element by element: an element passes\n"
    "when |a - b| <= atol + rtol * |b| (NaN matches NaN only). Exits 0 when\n"
    "every element passes, 1 when some do not, 2 on errors.\n"
    "\n"
    "  --rtol R  relative tolerance (default 1e-5)\n"
    "  --atol A  absolute tolerance (default 1e-6)\n";

/// Prints "heed-compare: error: <message>" and returns exit status 2.
int usageError(const std::string &message) {
  std::fprintf(stderr, "heed-compare: error: %s\n", message.c_str());
  return 2;
}

/// Parses a finite, non-negative tolerance; nothing else is accepted.
std::optional<double> parseTolerance(const std::string &s) {
  if (s.empty())
    return std::nullopt;
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno || *end || !std::isfinite(v) || v < 0)
    return std::nullopt;
  return v;
}

/// "[1, 0, 2]": the row-major index \p flat of a tensor of \p shape.
std::string formatIndex(int64_t flat, const std::vector<int64_t> &shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return io::shapeToString(index);
}

std::string format(const char *spec, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> files;
  double rtol = 1e-5, atol = 1e-6;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      std::string flag = arg.substr(0, arg.find('='));
      if (flag != "--rtol" && flag != "--atol")
        return usageError("unknown flag '" + flag + "'; see --help");
      std::string value;
      if (flag.size() < arg.size()) {
        value = arg.substr(flag.size() + 1);
      } else {
        if (i + 1 >= argc)
          return usageError("missing value for " + flag);
        value = argv[++i];
      }
      std::optional<double> tol = parseTolerance(value);
      if (!tol)
        return usageError(flag + " " + value +
                          ": expected a non-negative number");
      (flag == "--rtol" ? rtol : atol) = *tol;
      continue;
    }
    files.push_back(arg);
  }
  if (files.size() != 2)
    return usageError("expected two .npy files, got " +
                      std::to_string(files.size()) + "; see --help");

  io::HostTensor a, b;
  std::string error;
  if (!io::readNpy(files[0], a, error) || !io::readNpy(files[1], b, error))
    return usageError(error);
  if (a.dtype != b.dtype || a.shape != b.shape)
    return usageError(files[0] + " is " + dtypeName(a.dtype) +
                      io::shapeToString(a.shape) + " but " + files[1] + " is " +
                      dtypeName(b.dtype) + io::shapeToString(b.shape));

  // The element with the largest absolute error (a NaN on one side only
  // counts as the largest), the largest relative error (|a - b| / |b|,
  // infinite when b is 0 and a is not), and the failures.
  int64_t worst = -1, failures = 0;
  double maxAbs = 0, maxRel = 0;
  bool worstIsNan = false;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = io::loadElement(a, i), y = io::loadElement(b, i);
    bool nanX = std::isnan(x), nanY = std::isnan(y);
    if (x == y || (nanX && nanY)) // equal, the same infinity, or both NaN
      continue;
    double err = std::fabs(x - y); // NaN when one side is NaN; inf for infs
    bool isNan = std::isnan(err);
    double rel = y != 0 ? err / std::fabs(y) : INFINITY;
    if (isNan || !(err <= atol + rtol * std::fabs(y)))
      ++failures;
    if (!worstIsNan && (isNan || worst < 0 || err > maxAbs)) {
      worst = i;
      maxAbs = err;
      worstIsNan = isNan;
    }
    if (isNan)
      maxRel = NAN; // stays: nothing compares greater than NaN
    else if (rel > maxRel)
      maxRel = rel;
  }
  if (worst < 0 && a.numel() > 0)
    worst = 0; // all equal: show the first element
  std::string line = "max abs error " + format("%.6g", maxAbs);
  if (worst >= 0)
    line += " at " + formatIndex(worst, a.shape) +
            " (a=" + format("%.9g", io::loadElement(a, worst)) +
            ", b=" + format("%.9g", io::loadElement(b, worst)) + ")";
  line += ", max rel error " + format("%.6g", maxRel) + "; " +
          std::to_string(failures) + " of " + std::to_string(a.numel()) +
          " elements outside tolerance\n";
  std::fputs(line.c_str(), stdout);
  return failures ? 1 : 0;
}
