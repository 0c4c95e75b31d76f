//===- BoundedPlan.cpp - One plan for every size in a range ---------------===//

#include "passes/plan/BoundedPlan.h"

#include "heed/KernelSpec.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <optional>

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

std::vector<std::map<std::string, int64_t>>
heed::boundedSamplePoints(ArrayRef<BoundedDim> dims) {
  std::map<std::string, int64_t> bound;
  for (const BoundedDim &d : dims)
    bound[d.name] = d.hi;
  std::vector<std::map<std::string, int64_t>> points{bound};
  for (const BoundedDim &d : dims) {
    points.push_back(bound);
    points.back()[d.name] = d.hi - 1;
  }
  std::map<std::string, int64_t> middle = bound;
  bool room = false;
  for (const BoundedDim &d : dims) {
    int64_t mid = d.lo + (d.hi - d.lo) / 2;
    if (mid < d.hi - 1) {
      middle[d.name] = mid;
      room = true;
    }
  }
  if (room)
    points.push_back(middle);
  return points;
}

namespace {

/// Fits the integers of the sample plans to straight lines.
class Fitter {
public:
  Fitter(ArrayRef<PlanOp> plans, ArrayRef<BoundedDim> dims)
      : plans(plans), dims(dims), points(boundedSamplePoints(dims)) {
    // Dimension indices in the plan are positions in bounded_dims, which
    // a DictionaryAttr sorts by name.
    std::vector<std::string> names;
    for (const BoundedDim &d : dims)
      names.push_back(d.name);
    std::sort(names.begin(), names.end());
    for (const BoundedDim &d : dims)
      planIndex.push_back(std::find(names.begin(), names.end(), d.name) -
                          names.begin());
  }

  LogicalResult run();

private:
  ArrayRef<PlanOp> plans;
  ArrayRef<BoundedDim> dims;
  std::vector<std::map<std::string, int64_t>> points;
  std::vector<int64_t> planIndex;
  /// Values of plans[0] with an extent that follows a dimension.
  llvm::DenseSet<Value> boundedValues;

  /// A straight line through an integer's values: the dimension it follows
  /// (index into dims) and its slope, or none when it is the same at every
  /// point.
  struct Line {
    int64_t dim = -1, coeff = 0;
  };

  /// The line through \p values (one per point), or a failure reported at
  /// \p op saying what \p what (e.g. "axis 1 of its result") is.
  FailureOr<Line> fit(Operation *op, ArrayRef<int64_t> values,
                      const Twine &what);
  /// Fits the extents of \p type in every plan (\p types), appending
  /// (axis, dimension, coefficient) triples to \p triples.
  LogicalResult fitType(Operation *op, ArrayRef<MemRefType> types,
                        SmallVectorImpl<int64_t> &triples);
  LogicalResult fitKernel(KernelOp op, ArrayRef<KernelOp> kernels);
  InFlightDiagnostic differs(Operation *op, const Twine &what);
};

/// Whether \p small's elements are the leading elements of \p big's (in
/// row-major order): what a constant of the bound's data with smaller
/// extents reads.
bool isPrefix(heedrt::ConstantOp big, heedrt::ConstantOp small) {
  auto a = dyn_cast<DenseElementsAttr>(big.getValue());
  auto b = dyn_cast<DenseElementsAttr>(small.getValue());
  if (!a || !b || a.getElementType() != b.getElementType() ||
      b.getNumElements() > a.getNumElements())
    return false;
  if (a.isSplat() || b.isSplat()) {
    if (a.isSplat() && b.isSplat())
      return a.getSplatValue<Attribute>() == b.getSplatValue<Attribute>();
    auto as = a.getValues<Attribute>();
    auto bs = b.getValues<Attribute>();
    return std::equal(bs.begin(), bs.end(), as.begin());
  }
  if (a.getElementType().isInteger(1)) {
    auto as = a.getValues<bool>();
    auto bs = b.getValues<bool>();
    return std::equal(bs.begin(), bs.end(), as.begin());
  }
  ArrayRef<char> ra = a.getRawData(), rb = b.getRawData();
  return rb.size() <= ra.size() && std::equal(rb.begin(), rb.end(), ra.begin());
}

InFlightDiagnostic Fitter::differs(Operation *op, const Twine &what) {
  InFlightDiagnostic diag = op->emitError();
  diag << "with ";
  llvm::interleave(
      dims, diag,
      [&](const BoundedDim &d) {
        diag << "--dim " << d.name << "=" << d.lo << ".." << d.hi;
      },
      " ");
  diag << ", " << what;
  return diag;
}

FailureOr<Fitter::Line> Fitter::fit(Operation *op, ArrayRef<int64_t> values,
                                    const Twine &what) {
  auto describe = [&](InFlightDiagnostic &&diag) -> InFlightDiagnostic {
    diag << " (";
    for (size_t p = 0; p < values.size(); ++p) {
      diag << (p ? ", " : "") << values[p] << " at ";
      bool first = true;
      for (const BoundedDim &d : dims) {
        diag << (first ? "" : " ") << d.name << "=" << points[p].at(d.name);
        first = false;
      }
    }
    diag << ")";
    return std::move(diag);
  };
  Line line;
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t slope = values[0] - values[1 + i];
    if (!slope)
      continue;
    if (line.dim >= 0) {
      describe(differs(op, what + " follows both " + dims[line.dim].name +
                               " and " + dims[i].name))
          << "; one binary follows one dimension per extent";
      return failure();
    }
    if (slope < 0) {
      describe(differs(op, what + " shrinks as " + dims[i].name + " grows"))
          << "; only sizes that grow with it can be planned at the bound";
      return failure();
    }
    line = Line{(int64_t)i, slope};
  }
  if (values.size() > 1 + dims.size()) {
    const std::map<std::string, int64_t> &mid = points.back();
    int64_t predicted = values[0];
    if (line.dim >= 0)
      predicted +=
          line.coeff * (mid.at(dims[line.dim].name) - dims[line.dim].hi);
    if (values.back() != predicted) {
      describe(differs(op, what + " is not a straight line in the "
                                  "dimensions"))
          << "; compile for fixed sizes instead";
      return failure();
    }
  }
  return line;
}

LogicalResult Fitter::fitType(Operation *op, ArrayRef<MemRefType> types,
                              SmallVectorImpl<int64_t> &triples) {
  for (MemRefType t : types)
    if (t.getRank() != types[0].getRank() ||
        t.getElementType() != types[0].getElementType()) {
      differs(op, "its type is ")
          << types[0] << " at the bound but " << t << " elsewhere";
      return failure();
    }
  for (int64_t axis = 0; axis < types[0].getRank(); ++axis) {
    SmallVector<int64_t> extents;
    for (MemRefType t : types)
      extents.push_back(t.getDimSize(axis));
    FailureOr<Line> line =
        fit(op, extents, "the extent of axis " + Twine(axis) + " here");
    if (failed(line))
      return failure();
    if (line->dim >= 0)
      triples.append({axis, planIndex[line->dim], line->coeff});
  }
  return success();
}

LogicalResult Fitter::fitKernel(KernelOp op, ArrayRef<KernelOp> kernels) {
  MLIRContext *ctx = op.getContext();
  const KernelSpec *spec = lookupKernelSpec(op.getKernel());
  // Fused attention whose sequence lengths follow a dimension picks its
  // tiles at run time, as attn-tile picks them for a fixed size.
  bool autoTile = spec && spec->attr("auto_tile") && op.getIns().size() >= 2 &&
                  (boundedValues.contains(op.getIns()[0]) ||
                   boundedValues.contains(op.getIns()[1]));
  DictionaryAttr params = op.getParamsAttr();
  SmallVector<NamedAttribute> newParams, boundedParams;
  if (params)
    for (NamedAttribute p : params) {
      StringRef name = p.getName().getValue();
      if (autoTile && (name == "q_block" || name == "k_block")) {
        newParams.push_back(p);
        continue;
      }
      SmallVector<SmallVector<int64_t>> lists; // per plan
      for (KernelOp k : kernels) {
        Attribute v =
            k.getParamsAttr() ? k.getParamsAttr().get(name) : Attribute();
        if (!v || v.getTypeID() != p.getValue().getTypeID()) {
          differs(op, "its attribute '") << name << "' is not the same kind "
                                         << "at every size";
          return failure();
        }
        if (auto i = dyn_cast<IntegerAttr>(v))
          lists.push_back({i.getInt()});
        else if (auto list = dyn_cast<DenseI64ArrayAttr>(v))
          lists.emplace_back(list.asArrayRef());
        else if (v != p.getValue()) {
          differs(op, "its attribute '")
              << name << "' is " << p.getValue() << " at the bound but " << v
              << " elsewhere";
          return failure();
        }
      }
      newParams.push_back(p);
      if (lists.empty())
        continue;
      SmallVector<int64_t> triples;
      for (size_t index = 0; index < lists[0].size(); ++index) {
        SmallVector<int64_t> values;
        for (const auto &list : lists) {
          if (list.size() != lists[0].size()) {
            differs(op, "its attribute '")
                << name << "' has " << lists[0].size()
                << " values at the bound but " << list.size() << " elsewhere";
            return failure();
          }
          values.push_back(list[index]);
        }
        FailureOr<Line> line =
            fit(op, values,
                "value " + Twine(index) + " of attribute '" + name + "'");
        if (failed(line))
          return failure();
        if (line->dim >= 0)
          triples.append({(int64_t)index, planIndex[line->dim], line->coeff});
      }
      if (!triples.empty())
        boundedParams.emplace_back(p.getName(),
                                   DenseI64ArrayAttr::get(ctx, triples));
    }
  for (KernelOp k : kernels) {
    size_t n = k.getParamsAttr() ? k.getParamsAttr().size() : 0;
    if (n != (params ? params.size() : 0)) {
      differs(op, "its attributes are not the same at every size");
      return failure();
    }
  }
  if (autoTile)
    newParams.emplace_back(StringAttr::get(ctx, "auto_tile"),
                           IntegerAttr::get(IntegerType::get(ctx, 64), 1));
  if (autoTile || !newParams.empty())
    op.setParamsAttr(DictionaryAttr::get(ctx, newParams));
  if (!boundedParams.empty())
    op.setBoundedParamsAttr(DictionaryAttr::get(ctx, boundedParams));
  return success();
}

LogicalResult Fitter::run() {
  SmallVector<SmallVector<Operation *>> bodies;
  for (PlanOp plan : plans) {
    bodies.emplace_back();
    for (Operation &op : plan.getBody().front())
      bodies.back().push_back(&op);
  }
  PlanOp bound = plans[0];
  for (size_t p = 1; p < plans.size(); ++p)
    if (bodies[p].size() != bodies[0].size()) {
      differs(bound, "the plan has ")
          << bodies[0].size() << " ops at the bound but " << bodies[p].size()
          << " at another size; compile for fixed sizes instead";
      return failure();
    }
  // Where each value is defined (op index, result), for comparing operands.
  SmallVector<llvm::DenseMap<Value, std::pair<size_t, unsigned>>> where(
      plans.size());
  for (size_t p = 0; p < plans.size(); ++p)
    for (auto [i, op] : llvm::enumerate(bodies[p]))
      for (OpResult r : op->getResults())
        where[p][r] = {i, r.getResultNumber()};

  for (size_t i = 0; i < bodies[0].size(); ++i) {
    Operation *op = bodies[0][i];
    for (size_t p = 1; p < plans.size(); ++p) {
      Operation *other = bodies[p][i];
      bool same = other->getName() == op->getName() &&
                  other->getNumOperands() == op->getNumOperands() &&
                  other->getNumResults() == op->getNumResults();
      for (unsigned o = 0; same && o < op->getNumOperands(); ++o)
        same = where[0].lookup(op->getOperand(o)) ==
               where[p].lookup(other->getOperand(o));
      if (auto k = dyn_cast<KernelOp>(op))
        same = same && k.getKernel() == cast<KernelOp>(other).getKernel();
      if (!same) {
        differs(op, "the plan differs at this op between sizes (")
            << other->getName() << " elsewhere); compile for fixed sizes "
            << "instead";
        return failure();
      }
      // Attributes other than offsets and params: equal.
      for (NamedAttribute a : op->getAttrDictionary()) {
        StringRef name = a.getName().getValue();
        if (name == "offset" || name == "params")
          continue;
        // A constant may be a prefix of the bound's at every size.
        if (name == "value" && isa<heedrt::ConstantOp>(op) &&
            isPrefix(cast<heedrt::ConstantOp>(op),
                     cast<heedrt::ConstantOp>(other)))
          continue;
        if (other->getAttr(a.getName()) != a.getValue()) {
          std::string what =
              isa<heedrt::ConstantOp>(op)
                  ? "the value of this constant depends on the size; "
                    "compute it in the graph from the inputs instead"
                  : "its attribute '" + name.str() +
                        "' is not the same at every size";
          differs(op, what);
          return failure();
        }
      }
    }
    if (auto k = dyn_cast<KernelOp>(op)) {
      SmallVector<KernelOp> kernels;
      for (size_t p = 0; p < plans.size(); ++p)
        kernels.push_back(cast<KernelOp>(bodies[p][i]));
      if (failed(fitKernel(k, kernels)))
        return failure();
      continue;
    }
    if (op->getNumResults() != 1 ||
        !isa<MemRefType>(op->getResult(0).getType()))
      continue;
    SmallVector<MemRefType> types;
    for (size_t p = 0; p < plans.size(); ++p)
      types.push_back(cast<MemRefType>(bodies[p][i]->getResult(0).getType()));
    SmallVector<int64_t> triples;
    if (failed(fitType(op, types, triples)))
      return failure();
    if (triples.empty())
      continue;
    if (isa<WeightOp>(op)) {
      differs(op, "the shape of this parameter follows ")
          << dims[0].name << "; compute it in the graph instead";
      return failure();
    }
    auto attr = DenseI64ArrayAttr::get(op->getContext(), triples);
    if (auto b = dyn_cast<BufferOp>(op))
      b.setBoundedAttr(attr);
    else if (auto c = dyn_cast<heedrt::ConstantOp>(op))
      c.setBoundedAttr(attr); // its values were checked to be prefixes
    else
      cast<ViewOp>(op).setBoundedAttr(attr);
    boundedValues.insert(op->getResult(0));
  }

  SmallVector<NamedAttribute> ranges;
  Builder b(bound.getContext());
  for (const BoundedDim &d : dims)
    ranges.emplace_back(b.getStringAttr(d.name),
                        b.getDenseI64ArrayAttr({d.lo, d.hi}));
  bound.setBoundedDimsAttr(b.getDictionaryAttr(ranges));
  return success();
}

} // namespace

LogicalResult heed::annotateBoundedPlan(ArrayRef<PlanOp> plans,
                                        ArrayRef<BoundedDim> dims) {
  return Fitter(plans, dims).run();
}
