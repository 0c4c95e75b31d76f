//===- Progress.cpp - Progress of a benchmark on stderr -------------------===//

#include "Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

namespace heed::bench {

Progress::Progress(std::vector<double> pointWork, bool terminal)
    : work(std::move(pointWork)), terminal(terminal),
      start(std::chrono::steady_clock::now()) {
  for (double &w : work)
    w = std::max(w, 1.0);
  for (double w : work)
    totalWork += w;
}

std::string formatDuration(double seconds) {
  long s = std::lround(std::max(0.0, seconds));
  std::string out;
  llvm::raw_string_ostream os(out);
  if (s >= 3600)
    os << llvm::format("%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    os << llvm::format("%ldm%02lds", s / 60, s % 60);
  else
    os << s << "s";
  return out;
}

void Progress::update(size_t point, double fraction, llvm::StringRef what) {
  if (!terminal)
    return;
  double done = 0;
  for (size_t i = 0; i < point && i < work.size(); ++i)
    done += work[i];
  if (point < work.size())
    done += work[point] * std::clamp(fraction, 0.0, 1.0);
  double share = totalWork > 0 ? done / totalWork : 0;
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::string left = share > 0.01
                         ? formatDuration(elapsed / share - elapsed) + " left"
                         : "estimating";
  constexpr int kWidth = 24;
  int filled = (int)(share * kWidth);
  std::string bar(filled, '=');
  bar.resize(kWidth, ' ');
  size_t shown = std::min(point + 1, work.size());
  llvm::errs() << "\r\033[K[" << bar << "] "
               << llvm::format("%3d%%", (int)(share * 100)) << "  point "
               << shown << "/" << work.size() << "  " << what << "  " << left;
  llvm::errs().flush();
  drawn = true;
}

void Progress::finishPoint(size_t point, llvm::StringRef summary) {
  if (terminal) {
    update(point + 1, 0, "");
    return;
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::errs() << "heed-bench: point " << point + 1 << "/" << work.size()
               << " done (" << formatDuration(elapsed)
               << " elapsed): " << summary << "\n";
}

void Progress::clear() {
  if (drawn) {
    llvm::errs() << "\r\033[K";
    llvm::errs().flush();
    drawn = false;
  }
}

} // namespace heed::bench
