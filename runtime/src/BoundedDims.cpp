//===- BoundedDims.cpp - Dimensions known only at run time ----------------===//

#include "BoundedDims.h"
#include "AttentionCapture.h"

#include "Error.h"

#include <string>

namespace heed::rt {

namespace {

int64_t moved(int64_t declared, const DimTerm &t,
              const std::vector<PlanDim> &dims,
              const std::vector<int64_t> &values) {
  return declared + t.coeff * (values[t.dim] - dims[t.dim].hi);
}

/// "L", "2*L", "L+1", "3*L-2": \p declared moved by \p t, as a formula.
std::string formula(int64_t declared, const DimTerm &t,
                    const std::vector<PlanDim> &dims) {
  int64_t constant = declared - t.coeff * dims[t.dim].hi;
  std::string s = t.coeff == 1 ? "" : std::to_string(t.coeff) + "*";
  s += dims[t.dim].name;
  if (constant > 0)
    s += "+" + std::to_string(constant);
  else if (constant < 0)
    s += std::to_string(constant);
  return s;
}

std::string range(const PlanDim &d) {
  return d.name + " in " + std::to_string(d.lo) + ".." + std::to_string(d.hi);
}

} // namespace

TensorDesc descAt(const PlanBuffer &b, const std::vector<PlanDim> &dims,
                  const std::vector<int64_t> &values) {
  TensorDesc d = b.desc;
  for (const auto &[axis, term] : b.bounded)
    d.shape[axis] = moved(d.shape[axis], term, dims, values);
  return d;
}

size_t bytesAt(const PlanBuffer &b, const std::vector<PlanDim> &dims,
               const std::vector<int64_t> &values) {
  if (b.bounded.empty())
    return b.desc.nbytes();
  size_t bytes = dtypeBytes(b.desc.dtype);
  for (size_t axis = 0; axis < b.desc.shape.size(); ++axis) {
    int64_t extent = b.desc.shape[axis];
    for (const auto &[boundAxis, term] : b.bounded)
      if (boundAxis == (int32_t)axis)
        extent = moved(extent, term, dims, values);
    bytes *= (size_t)extent;
  }
  return bytes;
}

std::string symbolicDesc(const PlanBuffer &b,
                         const std::vector<PlanDim> &dims) {
  std::string full = b.desc.str();
  std::string s = full.substr(0, full.find('[')) + "[";
  std::vector<bool> used(dims.size(), false);
  for (size_t axis = 0; axis < b.desc.shape.size(); ++axis) {
    if (axis)
      s += ", ";
    std::string extent = std::to_string(b.desc.shape[axis]);
    for (const auto &[boundAxis, term] : b.bounded)
      if (boundAxis == (int32_t)axis) {
        extent = formula(b.desc.shape[axis], term, dims);
        used[term.dim] = true;
      }
    s += extent;
  }
  s += "]";
  const char *sep = " with ";
  for (size_t d = 0; d < dims.size(); ++d)
    if (used[d]) {
      s += sep + range(dims[d]);
      sep = ", ";
    }
  return s;
}

Attrs attrsAt(const PlanNode &n, const std::vector<PlanDim> &dims,
              const std::vector<int64_t> &values) {
  Attrs attrs = n.attrs;
  for (const BoundedParam &p : n.bounded) {
    std::vector<int64_t> list = attrs.getInts(p.name);
    list[p.index] = moved(list[p.index], p.term, dims, values);
    attrs.setInts(p.name, std::move(list));
  }
  return attrs;
}

void checkBoundedDims(const heed_plan &plan) {
  if (plan.dims.empty())
    return;
  std::vector<bool> given(plan.dims.size(), false);
  for (const PlanPort &p : plan.inputs)
    for (const auto &[axis, term] : plan.buffers[p.buffer].bounded)
      given[term.dim] = true;
  for (size_t d = 0; d < plan.dims.size(); ++d)
    if (!given[d])
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "bounded dimension '" + plan.dims[d].name +
               "' is the extent of no input, so no run could give it");
  for (const PlanState &s : plan.states)
    for (int32_t id : {s.read, s.next})
      if (id >= 0 && !plan.buffers[id].bounded.empty())
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "state '" + s.name + "' is " +
                 symbolicDesc(plan.buffers[id], plan.dims) +
                 ": a state's size cannot follow a bounded dimension");
  std::vector<int64_t> lows;
  for (const PlanDim &d : plan.dims)
    lows.push_back(d.lo);
  for (size_t id = 0; id < plan.buffers.size(); ++id) {
    const PlanBuffer &b = plan.buffers[id];
    for (int64_t extent : descAt(b, plan.dims, lows).shape)
      if (extent < 0)
        fail(HEED_ERROR_SHAPE,
             "buffer " + std::to_string(id) + " is " +
                 symbolicDesc(b, plan.dims) +
                 ", which is negative at the smallest values");
  }
  for (const PlanNode &n : plan.nodes)
    for (const BoundedParam &p : n.bounded)
      if (attrsAt(n, plan.dims, lows).getInts(p.name)[p.index] < 0)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             n.kernel + ": attribute '" + p.name +
                 "' is negative at the smallest bounded values");
}

std::vector<int64_t>
solveDims(const heed_model &model, const std::vector<heed_dtype> &dtypes,
          const std::vector<const std::vector<int64_t> *> &shapes) {
  std::vector<int64_t> values(model.dims.size(), -1);
  std::vector<int32_t> givenBy(model.dims.size(), -1);
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    const PlanPort &p = model.inputs[i];
    const PlanBuffer &b = model.buffers[p.buffer];
    const std::vector<int64_t> &shape = *shapes[i];
    auto mismatch = [&](const std::string &why) {
      fail(dtypes[i] != b.desc.dtype ? HEED_ERROR_DTYPE : HEED_ERROR_SHAPE,
           "input '" + p.name + "' is " +
               describe(dtypes[i], shape.data(), (int32_t)shape.size()) +
               ", the model needs " + symbolicDesc(b, model.dims) + why);
    };
    if (dtypes[i] != b.desc.dtype || shape.size() != b.desc.shape.size())
      mismatch("");
    for (size_t axis = 0; axis < shape.size(); ++axis) {
      const DimTerm *term = nullptr;
      for (const auto &[boundAxis, t] : b.bounded)
        if (boundAxis == (int32_t)axis)
          term = &t;
      if (!term) {
        if (shape[axis] != b.desc.shape[axis])
          mismatch("");
        continue;
      }
      const PlanDim &d = model.dims[term->dim];
      int64_t delta = shape[axis] - b.desc.shape[axis];
      if (delta % term->coeff)
        mismatch("");
      int64_t v = d.hi + delta / term->coeff;
      if (v < d.lo || v > d.hi)
        mismatch(" (it gives " + d.name + " = " + std::to_string(v) + ")");
      if (values[term->dim] >= 0 && values[term->dim] != v)
        mismatch(", and it gives " + d.name + " = " + std::to_string(v) +
                 " where input '" + model.inputs[givenBy[term->dim]].name +
                 "' gave " + std::to_string(values[term->dim]));
      values[term->dim] = v;
      givenBy[term->dim] = (int32_t)i;
    }
  }
  return values;
}

std::unique_ptr<Kernel> createNodeKernel(const heed_model &model,
                                         const PlanNode &n,
                                         const std::vector<int64_t> &values,
                                         const Kernel *previous) {
  std::vector<TensorDesc> in, out;
  for (int32_t b : n.inputs)
    in.push_back(descAt(model.buffers[b], model.dims, values));
  for (int32_t b : n.outputs) {
    if (model.buffers[b].constant)
      fail(HEED_ERROR_INVALID_ARGUMENT, n.kernel + ": output buffer " +
                                            std::to_string(b) +
                                            " is a constant");
    out.push_back(descAt(model.buffers[b], model.dims, values));
  }
  Attrs attrs = attrsAt(n, model.dims, values);
  attrs.kernel = n.kernel;
  KernelSignature sig{n.kernel, std::move(in), std::move(out), attrs, {}};
  for (int32_t b : n.inputs)
    sig.constants.push_back(model.buffers[b].constant);
  sig.previous = withoutCapture(previous);
  if (model.capturing && !n.attentionName.empty())
    return createCaptureKernel(sig, n);
  return createKernel(sig);
}

void specializeKernels(heed_model &model, const std::vector<int64_t> &values) {
  if (values == model.dimValues)
    return;
  auto follows = [&](const PlanNode &n) {
    if (!n.bounded.empty())
      return true;
    for (const auto *ids : {&n.inputs, &n.outputs})
      for (int32_t b : *ids)
        if (!model.buffers[b].bounded.empty())
          return true;
    return false;
  };
  model.dimValues.clear(); // until every kernel follows \p values
  for (size_t i = 0; i < model.nodeSpecs.size(); ++i)
    if (follows(model.nodeSpecs[i]))
      model.nodes[i].kernel = createNodeKernel(
          model, model.nodeSpecs[i], values, model.nodes[i].kernel.get());
  model.dimValues = values;
}

} // namespace heed::rt
