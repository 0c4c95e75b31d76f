//===- AttentionReport.cpp - Each attention of a model, as JSON -----------===//

#include "AttentionReport.h"
#include "FlopCount.h"

#include "attn/AttnOps.h"
#include "heed/io/Json.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;

namespace heed::tools {

namespace {

/// "file:line:col" of \p loc (its first file location), or "?".
std::string where(Location loc) {
  std::string s = "?";
  loc->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l)) {
      s = (file.getFilename().str() + ":" + std::to_string(file.getLine()) +
           ":" + std::to_string(file.getColumn()));
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return s;
}

/// \p s as a JSON string.
std::string quote(llvm::StringRef s) {
  std::string out;
  io::appendJsonString(out, std::string_view(s.data(), s.size()));
  return out;
}

const char *structureName(AttentionStructure s) {
  switch (s) {
  case AttentionStructure::None:
    return "none";
  case AttentionStructure::Causal:
    return "causal";
  case AttentionStructure::Window:
    return "window";
  case AttentionStructure::Blocks:
    return "blocks";
  }
  return "none";
}

} // namespace

NearMissCollector::NearMissCollector(MLIRContext &context, bool print)
    : handler(&context, [this, print](Diagnostic &d) -> LogicalResult {
        std::string message = d.str();
        if (d.getSeverity() != DiagnosticSeverity::Remark ||
            !llvm::StringRef(message).starts_with("attn-fuse:") ||
            llvm::StringRef(message).starts_with("attn-fuse: fused"))
          return failure(); // not a near miss: the next handler's
        misses.push_back(
            {where(d.getLocation()),
             llvm::StringRef(message).drop_front(10).trim().str()});
        return print ? failure() : success();
      }) {}

std::string
attentionReportJson(func::FuncOp graph,
                    const std::vector<NearMissCollector::NearMiss> &misses) {
  struct Entry {
    std::string where, json;
  };
  std::vector<Entry> entries;
  graph.walk([&](attn::AttentionOpInterface op) {
    auto q = cast<ShapedType>(op.getQuery().getType());
    auto k = cast<ShapedType>(op.getKey().getType());
    int64_t lq = q.getDimSize(q.getRank() - 2),
            lk = k.getDimSize(k.getRank() - 2), heads = 1;
    for (int64_t d : q.getShape().drop_back(2))
      heads *= d;
    AttentionSparsity sparsity = op.getSparsity();
    bench::VisiblePairs visible =
        bench::countVisiblePairs(sparsity, lq, lk, op.getTopkRatio());
    double total = (double)lq * (double)lk;
    std::string json;
    llvm::raw_string_ostream os(json);
    os << "{\"where\": " << quote(where(op->getLoc()))
       << ", \"fused\": true, \"op\": " << quote(op->getName().getStringRef())
       << ", \"structure\": " << quote(structureName(sparsity.structure))
       << ", \"batch_heads\": " << heads << ", \"lq\": " << lq
       << ", \"lk\": " << lk << ", \"tile\": ";
    if (DenseI64ArrayAttr tile = op.getTileAttr())
      os << "[" << tile[0] << ", " << tile[1] << "]";
    else
      os << "null";
    os << ", \"skipped_fraction\": "
       << llvm::format("%.6g", total > 0 ? 1.0 - visible.scored / total : 0.0)
       << "}";
    entries.push_back({where(op->getLoc()), os.str()});
  });
  for (const NearMissCollector::NearMiss &m : misses)
    entries.push_back(
        {m.where, "{\"where\": " + quote(m.where) +
                      ", \"fused\": false, \"why\": " + quote(m.why) + "}"});
  // Source order: by file, then line and column numerically.
  auto key = [](const std::string &w) {
    llvm::StringRef s(w);
    auto [rest, col] = s.rsplit(':');
    auto [file, line] = rest.rsplit(':');
    unsigned l = 0, c = 0;
    line.getAsInteger(10, l);
    col.getAsInteger(10, c);
    return std::make_tuple(file.str(), l, c);
  };
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const Entry &a, const Entry &b) {
                     return key(a.where) < key(b.where);
                   });
  std::string out = "{\"attention\": [";
  for (size_t i = 0; i < entries.size(); ++i)
    out += (i ? ",\n  " : "\n  ") + entries[i].json;
  return out + (entries.empty() ? "]}\n" : "\n]}\n");
}

} // namespace heed::tools
