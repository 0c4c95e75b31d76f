//===- Report.cpp - heed-bench's table and JSON ---------------------------===//

#include "Report.h"

#include "heed/io/Json.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"

#include <cmath>

namespace heed::bench {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

/// A JSON number; NaN and infinities (not JSON) become null.
std::string number(double v, int digits = 6) {
  if (!std::isfinite(v))
    return "null";
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.*g", digits + 3, v);
  return s;
}

/// A measured rate: null when it was not measured (0).
std::string measured(double v) { return v > 0 ? number(v) : "null"; }

std::string flopsText(double flops) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (flops >= 1e9)
    os << llvm::format("%.3f GFLOP", flops * 1e-9);
  else if (flops >= 1e6)
    os << llvm::format("%.3f MFLOP", flops * 1e-6);
  else
    os << llvm::format("%.0f FLOP", flops);
  return s;
}

} // namespace

void printPointTable(llvm::raw_ostream &os, llvm::StringRef heading,
                     llvm::ArrayRef<Result> rows, const Machine &machine) {
  if (rows.empty())
    return;
  bool rss = rows.front().peakRssBytes.has_value();
  bool generation = rows.front().prefillPerToken.has_value();
  os << heading << ": " << flopsText(rows.front().flops)
     << " per run (dense-equivalent, from the unfused graph)\n";
  if (generation)
    os << "generation: " << rows.front().promptTokens << "-token prompt, then "
       << rows.front().generatedTokens
       << " tokens, greedy; ms are per token (decode: one run of the "
          "model)\n";
  os << llvm::left_justify("variant", 12);
  if (generation)
    os << " " << llvm::right_justify("prefill ms", 11);
  for (auto [title, width] : {std::pair<const char *, unsigned>{
                                  generation ? "decode ms" : "median ms", 11},
                              {"min ms", 11},
                              {"max ms", 11},
                              {"GFLOP/s", 9},
                              {"eff.GF/s", 9},
                              {"of peak", 8},
                              {"memory MB", 10}})
    os << " " << llvm::right_justify(title, width);
  if (rss)
    os << " " << llvm::right_justify("RSS MB", 8);
  os << " " << llvm::right_justify("speedup", 8) << "\n";
  for (const Result &r : rows) {
    double fraction = machine.sgemmGflops() > 0
                          ? r.effectiveGflops() / machine.sgemmGflops()
                          : 0;
    os << llvm::format("%-12s", r.variant.c_str());
    if (generation)
      os << llvm::format(" %11.3f", r.prefillPerToken->medianMs);
    os << llvm::format(" %11.3f %11.3f %11.3f %9.2f %9.2f", r.time.medianMs,
                       r.time.minMs, r.time.maxMs, r.gflops(),
                       r.effectiveGflops());
    if (machine.sgemmGflops() > 0)
      os << llvm::format(" %8.3f", fraction);
    else
      os << " " << llvm::right_justify("-", 8); // --sgemm-runs=0
    os << llvm::format(" %10.2f", (double)r.memoryBytes / kMiB);
    if (rss)
      os << llvm::format(" %8.1f", r.peakRssBytes.value_or(0) / kMiB);
    os << llvm::format(" %7.2fx\n", r.speedupVsUnfused);
  }
  for (const Result &r : rows)
    if (r.samePlanAsUnfused.value_or(false))
      os << "note: " << r.variant
         << " runs the same plan as unfused (-O2 changed nothing here); "
            "their difference is noise\n";
  os << "\n";
}

std::string resultsJson(const Machine &machine, const std::string &command,
                        llvm::ArrayRef<std::string> sweepNames,
                        llvm::ArrayRef<Result> results) {
  std::string out = "{\n  \"machine\": {\"cpu\": ";
  io::appendJsonString(out, machine.cpu);
  out += ", \"isa\": ";
  io::appendJsonString(out, machine.isa);
  out += ", \"cores\": " + std::to_string(machine.cores) +
         ", \"threads\": " + std::to_string(machine.threads) +
         ", \"sgemm_gflops\": " + measured(machine.sgemmGflops()) +
         ", \"sgemm_gflops_before\": " + measured(machine.sgemmGflopsBefore) +
         ", \"sgemm_gflops_after\": " + measured(machine.sgemmGflopsAfter) +
         "},\n  \"command\": ";
  io::appendJsonString(out, command);
  out += ",\n  \"sweep\": [";
  for (size_t i = 0; i < sweepNames.size(); ++i) {
    if (i)
      out += ", ";
    io::appendJsonString(out, sweepNames[i]);
  }
  out += "],\n  \"results\": [";
  for (size_t i = 0; i < results.size(); ++i) {
    const Result &r = results[i];
    out += i ? ",\n    {" : "\n    {";
    out += "\"model\": ";
    io::appendJsonString(out, r.model);
    out += ", \"dims\": {";
    bool first = true;
    for (const auto &[name, value] : r.dims) {
      if (!first)
        out += ", ";
      first = false;
      io::appendJsonString(out, name);
      out += ": " + std::to_string(value);
    }
    out += "}, \"variant\": ";
    io::appendJsonString(out, r.variant);
    double fraction = machine.sgemmGflops() > 0
                          ? r.effectiveGflops() / machine.sgemmGflops()
                          : NAN;
    out += ", \"median_ms\": " + number(r.time.medianMs) +
           ", \"min_ms\": " + number(r.time.minMs) +
           ", \"max_ms\": " + number(r.time.maxMs) +
           ", \"runs\": " + std::to_string(r.time.runs) +
           ", \"flops\": " + number(r.flops, 15) +
           ", \"effective_flops\": " + number(r.effectiveFlops, 15) +
           ", \"gflops\": " + number(r.gflops()) +
           ", \"effective_gflops\": " + number(r.effectiveGflops()) +
           ", \"peak_fraction\": " + number(fraction) +
           ", \"peak_memory_mb\": " + number((double)r.memoryBytes / kMiB);
    if (r.peakRssBytes)
      out += ", \"peak_rss_mb\": " + number(*r.peakRssBytes / kMiB);
    if (r.prefillPerToken)
      out +=
          ", \"prefill_ms_per_token\": " + number(r.prefillPerToken->medianMs) +
          ", \"decode_ms_per_token\": " + number(r.time.medianMs) +
          ", \"prompt_tokens\": " + std::to_string(r.promptTokens) +
          ", \"generated_tokens\": " + std::to_string(r.generatedTokens);
    out += ", \"speedup_vs_unfused\": " + number(r.speedupVsUnfused);
    if (r.samePlanAsUnfused)
      out += std::string(", \"same_plan_as_unfused\": ") +
             (*r.samePlanAsUnfused ? "true" : "false");
    if (r.maxRelDiff)
      out += ", \"max_rel_diff_vs_unfused\": " + number(*r.maxRelDiff, 3);
    out += "}";
  }
  out += results.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

bool writeFileAtomically(const std::string &path, const std::string &contents,
                         std::string &error) {
  llvm::SmallString<256> temp;
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  llvm::SmallString<256> model(dir.empty() ? "." : dir);
  llvm::sys::path::append(model, ".heed-bench-%%%%%%.tmp");
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temp)) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << contents;
    os.close();
    if (os.has_error()) {
      error = "cannot write " + path + ": " + os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(temp);
      return false;
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    error = "cannot write " + path + ": " + ec.message();
    llvm::sys::fs::remove(temp);
    return false;
  }
  return true;
}

} // namespace heed::bench
