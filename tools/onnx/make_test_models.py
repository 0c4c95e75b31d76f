#!/usr/bin/env python3
"""Writes the small ONNX models of test/onnx/Inputs/ and their goldens.

Run with the pinned venv (`make venv`):

    build/venv/bin/python tools/onnx/make_test_models.py test/onnx/Inputs

The models are built with onnx.helper (nothing here is exported by Heed);
the expected outputs come from ONNX Runtime 1.31.1 or numpy, independent
engines, and are committed so that the lit tests need no Python packages beyond
Debian's numpy.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]


def save(model, folder, name):
    path = os.path.join(folder, name)
    onnx.save(model, path)
    return path


def tiny_bert(folder):
    """One BERT layer as torch's exporter writes it: head split through a
    Shape/Gather/Concat subgraph on a symbolic sequence length, the additive
    key-padding mask (1 - mask) * -3.4e38, a scale divide, the erf GELU and
    LayerNormalization; the query weight lives in an external data file."""
    rng = np.random.default_rng(7)
    d, heads, ff = 16, 2, 32
    hd = d // heads

    def w(*shape, scale=0.3):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    inits = {
        "q.weight": w(d, d), "q.bias": w(d), "k.weight": w(d, d),
        "k.bias": w(d), "v.weight": w(d, d), "v.bias": w(d),
        "o.weight": w(d, d), "o.bias": w(d),
        "ln1.weight": 1 + w(d, scale=0.1), "ln1.bias": w(d, scale=0.1),
        "ff1.weight": w(d, ff), "ff1.bias": w(ff),
        "ff2.weight": w(ff, d), "ff2.bias": w(d),
        "ln2.weight": 1 + w(d, scale=0.1), "ln2.bias": w(d, scale=0.1),
    }
    consts = {
        "c_one": np.array(1.0, np.float32),
        "c_min": np.array(-3.4028234663852886e38, np.float32),
        "c_scale": np.array(np.sqrt(hd), np.float32),
        "c_sqrt2": np.array(np.sqrt(2.0), np.float32),
        "c_half": np.array(0.5, np.float32),
        "c_i0": np.array(0, np.int64), "c_i1": np.array(1, np.int64),
        "c_heads": np.array([heads], np.int64),
        "c_hd": np.array([hd], np.int64), "c_d": np.array([d], np.int64),
        "c_axes12": np.array([1, 2], np.int64),
    }
    nodes = []

    def node(op, inputs, outputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))

    for name, value in consts.items():
        node("Constant", [], [name], f"/{name}",
             value=numpy_helper.from_array(value))
    # Shapes: [B, L] from the input.
    node("Shape", ["x"], ["shape"], "/Shape")
    node("Gather", ["shape", "c_i0"], ["b"], "/Gather_b", axis=0)
    node("Gather", ["shape", "c_i1"], ["l"], "/Gather_l", axis=0)
    node("Unsqueeze", ["b", "c_i0_axes"], ["b1"], "/Unsqueeze_b")
    node("Unsqueeze", ["l", "c_i0_axes"], ["l1"], "/Unsqueeze_l")
    nodes.insert(0, helper.make_node(
        "Constant", [], ["c_i0_axes"], name="/c_i0_axes",
        value=numpy_helper.from_array(np.array([0], np.int64))))
    node("Concat", ["b1", "l1", "c_heads", "c_hd"], ["split_shape"],
         "/Concat_split", axis=0)
    node("Concat", ["b1", "l1", "c_d"], ["merge_shape"], "/Concat_merge",
         axis=0)
    # Mask: (1 - mask) * min, as [B, 1, 1, L].
    node("Unsqueeze", ["mask", "c_axes12"], ["mask4"], "/mask/Unsqueeze")
    node("Cast", ["mask4"], ["maskf"], "/mask/Cast", to=TensorProto.FLOAT)
    node("Sub", ["c_one", "maskf"], ["inv"], "/mask/Sub")
    node("Mul", ["inv", "c_min"], ["bias"], "/mask/Mul")
    for p in "qkv":
        node("MatMul", ["x", f"{p}.weight"], [f"{p}_mm"],
             f"/attention/self/{p}/MatMul")
        node("Add", [f"{p}_mm", f"{p}.bias"], [f"{p}_lin"],
             f"/attention/self/{p}/Add")
        node("Reshape", [f"{p}_lin", "split_shape"], [f"{p}_4"],
             f"/attention/self/{p}/Reshape")
        perm = [0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]
        node("Transpose", [f"{p}_4"], [f"{p}_h"],
             f"/attention/self/{p}/Transpose", perm=perm)
    node("MatMul", ["q_h", "k_h"], ["scores"], "/attention/self/MatMul")
    node("Div", ["scores", "c_scale"], ["scaled"], "/attention/self/Div")
    node("Add", ["scaled", "bias"], ["masked"], "/attention/self/Add")
    node("Softmax", ["masked"], ["probs"], "/attention/self/Softmax", axis=-1)
    node("MatMul", ["probs", "v_h"], ["ctx"], "/attention/self/MatMul_1")
    node("Transpose", ["ctx"], ["ctx_t"], "/attention/self/Transpose_ctx",
         perm=[0, 2, 1, 3])
    node("Reshape", ["ctx_t", "merge_shape"], ["ctx_m"],
         "/attention/self/Reshape_ctx")
    node("MatMul", ["ctx_m", "o.weight"], ["o_mm"], "/attention/output/MatMul")
    node("Add", ["o_mm", "o.bias"], ["o_lin"], "/attention/output/Add")
    node("Add", ["o_lin", "x"], ["res1"], "/attention/output/Add_res")
    node("LayerNormalization", ["res1", "ln1.weight", "ln1.bias"], ["h1"],
         "/attention/output/LayerNorm", axis=-1, epsilon=1e-12)
    node("MatMul", ["h1", "ff1.weight"], ["f_mm"], "/intermediate/MatMul")
    node("Add", ["f_mm", "ff1.bias"], ["f_lin"], "/intermediate/Add")
    node("Div", ["f_lin", "c_sqrt2"], ["g_div"], "/intermediate/Div")
    node("Erf", ["g_div"], ["g_erf"], "/intermediate/Erf")
    node("Add", ["g_erf", "c_one"], ["g_add"], "/intermediate/Add_1")
    node("Mul", ["f_lin", "g_add"], ["g_mul"], "/intermediate/Mul")
    node("Mul", ["g_mul", "c_half"], ["gelu"], "/intermediate/Mul_1")
    node("MatMul", ["gelu", "ff2.weight"], ["f2_mm"], "/output/MatMul")
    node("Add", ["f2_mm", "ff2.bias"], ["f2_lin"], "/output/Add")
    node("Add", ["f2_lin", "h1"], ["res2"], "/output/Add_res")
    node("LayerNormalization", ["res2", "ln2.weight", "ln2.bias"], ["y"],
         "/output/LayerNorm", axis=-1, epsilon=1e-12)
    graph = helper.make_graph(
        nodes, "tiny_bert",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["batch", "seq", d]),
         helper.make_tensor_value_info("mask", TensorProto.INT64,
                                       ["batch", "seq"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       ["batch", "seq", d])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=OPSET)
    model.ir_version = 8
    # The query weight in an external file, as large models store weights.
    onnx.external_data_helper.convert_model_to_external_data(
        model, all_tensors_to_one_file=True, location="tiny_bert.weights",
        size_threshold=1000, convert_attribute=False)
    # Only q.weight (1024 bytes) and larger go out: keep the others inline.
    save(model, folder, "tiny_bert.onnx")
    x = rng.standard_normal((2, 8, d)).astype(np.float32)
    mask = np.ones((2, 8), np.int64)
    mask[1, 5:] = 0  # the second sequence has 5 tokens
    np.save(os.path.join(folder, "tiny_bert.x.npy"), x)
    np.save(os.path.join(folder, "tiny_bert.mask.npy"), mask)
    import onnxruntime as ort
    session = ort.InferenceSession(os.path.join(folder, "tiny_bert.onnx"),
                                   providers=["CPUExecutionProvider"])
    (y,) = session.run(["y"], {"x": x, "mask": mask})
    np.save(os.path.join(folder, "tiny_bert.ort_y.npy"), y)


def small(folder, name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    save(model, folder, name + ".onnx")


def error_models(folder):
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    # An op Heed does not import.
    small(folder, "unsupported_op",
          [helper.make_node("Mod", ["a", "b"], ["c"], name="/Mod_0")],
          [vi("a", TensorProto.INT64, [4]), vi("b", TensorProto.INT64, [4])],
          [vi("c", TensorProto.INT64, [4])])
    # An If on an input: folds only with --const.
    then_g = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["t"], name="/then/Relu")], "then",
        [], [vi("t", f, [3])])
    else_g = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["e"], name="/else/Neg")], "else",
        [], [vi("e", f, [3])])
    small(folder, "if_on_input",
          [helper.make_node("If", ["cond"], ["y"], name="/If_0",
                            then_branch=then_g, else_branch=else_g)],
          [vi("cond", TensorProto.BOOL, []), vi("x", f, [3])],
          [vi("y", f, [3])])
    # A Loop.
    body = helper.make_graph(
        [helper.make_node("Identity", ["v"], ["v_out"], name="/body/Id"),
         helper.make_node("Identity", ["c"], ["c_out"], name="/body/IdC")],
        "body", [vi("i", TensorProto.INT64, []), vi("c", TensorProto.BOOL, []),
                 vi("v", f, [3])],
        [vi("c_out", TensorProto.BOOL, []), vi("v_out", f, [3])])
    small(folder, "loop",
          [helper.make_node("Loop", ["n", "", "x"], ["y"], name="/Loop_0",
                            body=body)],
          [vi("n", TensorProto.INT64, []), vi("x", f, [3])], [vi("y", f, [3])])
    # A symbolic dimension, and a Reshape whose shape is an input.
    small(folder, "symbolic_dim",
          [helper.make_node("Relu", ["x"], ["y"], name="/Relu_0")],
          [vi("x", f, ["batch", 4])], [vi("y", f, ["batch", 4])])
    small(folder, "reshape_input",
          [helper.make_node("Reshape", ["x", "shape"], ["y"],
                            name="/Reshape_0")],
          [vi("x", f, [2, 6]), vi("shape", TensorProto.INT64, [2])],
          [vi("y", f, [3, 4])])
    # An attribute value Heed does not support.
    small(folder, "bad_attribute",
          [helper.make_node("Gelu", ["x"], ["y"], name="/Gelu_0",
                            approximate="sigmoid")],
          [vi("x", f, [4])], [vi("y", f, [4])], opset=20)
    # An input type Heed does not compute in.
    small(folder, "double_input",
          [helper.make_node("Relu", ["x"], ["y"], name="/Relu_0")],
          [vi("x", TensorProto.DOUBLE, [4])], [vi("y", TensorProto.DOUBLE, [4])])
    # Tables the importer would build too large: a Range of 10^12 elements,
    # a Resize by 10^9.
    i64 = TensorProto.INT64
    small(folder, "huge_range",
          [helper.make_node("Range", ["s", "l", "d"], ["y"], name="/Range_0")],
          [], [vi("y", i64, [None])],
          inits=[numpy_helper.from_array(np.array(0, np.int64), "s"),
                 numpy_helper.from_array(np.array(10**12, np.int64), "l"),
                 numpy_helper.from_array(np.array(1, np.int64), "d")])
    small(folder, "huge_resize",
          [helper.make_node("Resize", ["x", "", "scales"], ["y"],
                            name="/Resize_0", mode="nearest")],
          [vi("x", f, [1, 1, 4, 4])], [vi("y", f, None)],
          inits=[numpy_helper.from_array(
              np.array([1, 1, 1e9, 1e9], np.float32), "scales")])
    # What the fuzz smoke found crashing the importer: a Conv of rank-1
    # inputs, an If without its condition, a Split of a scalar.
    small(folder, "conv_rank1",
          [helper.make_node("Conv", ["x", "w"], ["y"], name="/Conv_0")],
          [vi("x", f, [4]), vi("w", f, [2])], [vi("y", f, None)])
    then_c = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["t"], name="/then/Id")], "then",
        [], [vi("t", f, [3])])
    small(folder, "if_no_input",
          [helper.make_node("If", [], ["y"], name="/If_0",
                            then_branch=then_c, else_branch=then_c)],
          [vi("x", f, [3])], [vi("y", f, [3])])
    small(folder, "split_scalar",
          [helper.make_node("Split", ["x"], ["y"], name="/Split_0")],
          [vi("x", f, [])], [vi("y", f, None)])
    # External data whose file is too short.
    w = numpy_helper.from_array(np.ones((64,), np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "short.weights"), ("offset", "0"),
                 ("length", "256")):
        entry = w.external_data.add()
        entry.key, entry.value = k, v
    small(folder, "external_short",
          [helper.make_node("Add", ["x", "w"], ["y"], name="/Add_0")],
          [vi("x", f, [64])], [vi("y", f, [64])], inits=[w])
    with open(os.path.join(folder, "short.weights"), "wb") as out:
        out.write(b"\0" * 100)
    # External data outside the model's folder.
    w2 = numpy_helper.from_array(np.ones((64,), np.float32), "w")
    w2.ClearField("raw_data")
    w2.data_location = TensorProto.EXTERNAL
    entry = w2.external_data.add()
    entry.key, entry.value = "location", "../escape.weights"
    small(folder, "external_escape",
          [helper.make_node("Add", ["x", "w"], ["y"], name="/Add_0")],
          [vi("x", f, [64])], [vi("y", f, [64])], inits=[w2])


EINSUM_EQUATIONS = ["bij,bjk->bik", "ij->ji", "ij->", "...ij,...jk->...ik",
                    "bhid,bhjd->bhij", "i,i", "ij,kj->ik", "ijk->ki",
                    "bn,anm,bm->ba"]


def einsum_models(folder):
    """Einsum in float32 (the node tests' einsum cases are all double);
    expected values from numpy.einsum."""
    rng = np.random.default_rng(3)
    shapes = {"b": 2, "i": 3, "j": 4, "k": 5, "h": 2, "d": 6, "n": 3,
              "a": 2, "m": 4}
    for index, eq in enumerate(EINSUM_EQUATIONS):
        if eq.count(",") > 1:
            continue  # three operands: not imported
        terms = eq.split("->")[0].split(",")
        arrays = []
        for t in terms:
            t = t.replace("...", "z")
            shape = [2 if c == "z" else shapes[c] for c in t]
            arrays.append(rng.standard_normal(shape).astype(np.float32))
        names = [f"x{i}" for i in range(len(arrays))]
        expected = np.asarray(np.einsum(eq, *arrays), np.float32)
        node = helper.make_node("Einsum", names, ["y"], name="/Einsum_0",
                                equation=eq)
        small(folder, f"einsum{index}", [node],
              [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape)
               for n, a in zip(names, arrays)],
              [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                             expected.shape)], opset=12)
        for n, a in zip(names, arrays):
            np.save(os.path.join(folder, f"einsum{index}.{n}.npy"), a)
        np.save(os.path.join(folder, f"einsum{index}.numpy_y.npy"), expected)
    # Three operands: an error naming the equation.
    eq = EINSUM_EQUATIONS[-1]
    node = helper.make_node("Einsum", ["x0", "x1", "x2"], ["y"],
                            name="/Einsum_3", equation=eq)
    small(folder, "einsum_three", [node],
          [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 2, 2])
           for n in ("x0", "x1", "x2")],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])],
          opset=12)


def attention_patterns(folder):
    """torch 2.x's scaled_dot_product_attention(is_causal=True) as its
    exporters write it (Q and K each scaled by sqrt(scale), a Trilu causal
    mask through Where(mask, 0, -inf)) and a BERT-style attention with the
    NaN guard after softmax (Where(IsNaN(p), 0, p)); expected outputs from
    numpy."""
    rng = np.random.default_rng(11)
    b, h, n, d = 1, 2, 16, 8
    vi = helper.make_tensor_value_info

    def const(name, arr):
        return helper.make_node("Constant", [], [name], name="/" + name,
                                value=numpy_helper.from_array(np.asarray(arr)))

    q, k, v = (rng.standard_normal((b, h, n, d)).astype(np.float32)
               for _ in range(3))

    def softmax(x):
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    nodes = [const("s", np.float32(np.sqrt(1 / np.sqrt(d)))),
             const("ones", np.ones((n, n), np.bool_)),
             const("zero", np.float32(0)), const("ninf", np.float32(-np.inf)),
             helper.make_node("Mul", ["q", "s"], ["qs"], name="/Mul"),
             helper.make_node("Transpose", ["k"], ["kt"], name="/Transpose",
                              perm=[0, 1, 3, 2]),
             helper.make_node("Mul", ["kt", "s"], ["ks"], name="/Mul_1"),
             helper.make_node("MatMul", ["qs", "ks"], ["sc"], name="/MatMul"),
             helper.make_node("Trilu", ["ones"], ["tri"], name="/Trilu",
                              upper=0),
             helper.make_node("Where", ["tri", "zero", "ninf"], ["bias"],
                              name="/Where"),
             helper.make_node("Add", ["sc", "bias"], ["sb"], name="/Add"),
             helper.make_node("Softmax", ["sb"], ["p"], name="/Softmax",
                              axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["y"], name="/MatMul_1")]
    small(folder, "sdpa_causal", nodes,
          [vi(x, TensorProto.FLOAT, [b, h, n, d]) for x in "qkv"],
          [vi("y", TensorProto.FLOAT, [b, h, n, d])], opset=18)
    scores = (q @ k.transpose(0, 1, 3, 2)) / np.sqrt(d)
    scores = np.where(np.tril(np.ones((n, n), bool)), scores, -np.inf)
    np.save(os.path.join(folder, "sdpa_causal.numpy_y.npy"),
            (softmax(scores.astype(np.float64)) @ v).astype(np.float32))

    mask = np.zeros((b, 1, 1, n), np.float32)
    mask[..., 12:] = -1e4
    nodes = [const("sq", np.float32(np.sqrt(d))), const("zero", np.float32(0)),
             helper.make_node("Transpose", ["k"], ["kt"], name="/Transpose",
                              perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["q", "kt"], ["sc"], name="/MatMul"),
             helper.make_node("Div", ["sc", "sq"], ["sd"], name="/Div"),
             helper.make_node("Add", ["sd", "mask"], ["sb"], name="/Add"),
             helper.make_node("Softmax", ["sb"], ["p"], name="/Softmax",
                              axis=-1),
             helper.make_node("IsNaN", ["p"], ["nan"], name="/IsNaN"),
             helper.make_node("Where", ["nan", "zero", "p"], ["pg"],
                              name="/Where"),
             helper.make_node("MatMul", ["pg", "v"], ["y"], name="/MatMul_1")]
    small(folder, "nan_guard", nodes,
          [vi(x, TensorProto.FLOAT, [b, h, n, d]) for x in "qkv"] +
          [vi("mask", TensorProto.FLOAT, [b, 1, 1, n])],
          [vi("y", TensorProto.FLOAT, [b, h, n, d])])
    scores = (q @ k.transpose(0, 1, 3, 2)) / np.sqrt(d) + mask
    np.save(os.path.join(folder, "nan_guard.numpy_y.npy"),
            (softmax(scores.astype(np.float64)) @ v).astype(np.float32))
    for name, value in (("q", q), ("k", k), ("v", v), ("mask", mask)):
        np.save(os.path.join(folder, f"attention.{name}.npy"), value)


def pad_models(folder):
    """Pad in reflect and edge mode on a float32 tensor (the node tests'
    reflect and edge cases are int32, which tools/onnx/node_tests.py leaves
    out): two axes of [2, 3, 4], pads as a constant; expected values from
    numpy.pad, whose modes of those names are ONNX's."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    np.save(os.path.join(folder, "pad.x.npy"), x)
    pads = [0, 2, 3, 0, 1, 2]  # begins of the 3 axes, then the ends
    width = [(pads[i], pads[i + 3]) for i in range(3)]
    for mode in ("reflect", "edge"):
        expected = np.pad(x, width, mode=mode)
        node = helper.make_node("Pad", ["x", "pads"], ["y"],
                                name=f"/Pad_{mode}", mode=mode)
        small(folder, f"pad_{mode}", [node],
              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                             x.shape)],
              [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                             expected.shape)],
              [numpy_helper.from_array(np.array(pads, np.int64), "pads")])
        np.save(os.path.join(folder, f"pad_{mode}.numpy_y.npy"), expected)


def cumsum_models(folder):
    """CumSum in float32 and int64 (the node tests' cases are double and
    int32): every axis sign, exclusive, reverse, both, an axis of extent 1;
    the axis as an int64 or int32 constant. Expected values from numpy
    (float64 sums in ONNX's order, rounded to float32)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    n = rng.integers(-50, 50, (3, 5)).astype(np.int64)
    c = rng.standard_normal((3, 1)).astype(np.float32)
    for name, value in (("x", x), ("n", n), ("c", c)):
        np.save(os.path.join(folder, f"cumsum.{name}.npy"), value)

    def onnx_cumsum(a, axis, exclusive=0, reverse=0):
        t = a.astype(np.float64) if a.dtype == np.float32 else a
        if reverse:
            t = np.flip(t, axis)
        out = np.cumsum(t, axis)
        if exclusive:  # the sums shifted by one, a zero first
            out = np.roll(out, 1, axis)
            index = [slice(None)] * t.ndim
            index[axis] = 0
            out[tuple(index)] = 0
        if reverse:
            out = np.flip(out, axis)
        return out.astype(a.dtype)

    cases = [  # (input, axis, axis dtype, exclusive, reverse)
        ("x", 1, np.int64, 0, 0), ("x", 0, np.int32, 1, 0),
        ("x", -1, np.int64, 0, 1), ("x", 1, np.int64, 1, 1),
        ("n", 0, np.int32, 0, 0), ("n", -2, np.int64, 1, 1),
        ("c", 1, np.int64, 1, 0), ("c", 1, np.int64, 0, 1),
    ]
    arrays = {"x": x, "n": n, "c": c}
    nodes, inits, outputs = [], [], []
    for k, (src, axis, axis_type, exclusive, reverse) in enumerate(cases):
        inits.append(numpy_helper.from_array(np.array(axis, axis_type),
                                             f"axis{k}"))
        nodes.append(helper.make_node("CumSum", [src, f"axis{k}"], [f"y{k}"],
                                      name=f"/CumSum_{k}",
                                      exclusive=exclusive, reverse=reverse))
        a = arrays[src]
        expected = onnx_cumsum(a, axis % a.ndim, exclusive, reverse)
        outputs.append(helper.make_tensor_value_info(
            f"y{k}", numpy_helper.from_array(expected).data_type,
            expected.shape))
        np.save(os.path.join(folder, f"cumsum.numpy_y{k}.npy"), expected)
    inputs = [helper.make_tensor_value_info(
        name, numpy_helper.from_array(a).data_type, a.shape)
        for name, a in arrays.items()]
    small(folder, "cumsum", nodes, inputs, outputs, inits, opset=14)
    # ONNX's own reference agrees (it sums in the input's dtype).
    from onnx.reference import ReferenceEvaluator
    ref = ReferenceEvaluator(os.path.join(folder, "cumsum.onnx"))
    for k, got in enumerate(ref.run(None, arrays)):
        want = np.load(os.path.join(folder, f"cumsum.numpy_y{k}.npy"))
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-6, atol=1e-6), k
    # The axis must be known at compile time: here it is an input.
    node = helper.make_node("CumSum", ["x", "axis"], ["y"],
                            name="/CumSum_axis")
    small(folder, "cumsum_axis_input", [node],
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 5]),
           helper.make_tensor_value_info("axis", TensorProto.INT64, [])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 5])],
          opset=14)


def rnn_lengths_models(folder):
    """A bidirectional LSTM and a GRU (linear_before_reset, PyTorch's) whose
    sequence_lens is a graph input: Heed passes it to heed.lstm / heed.gru
    as packed-sequence lengths. Expected values from ONNX Runtime."""
    import onnxruntime
    T, B, I, H = 5, 3, 4, 6
    rng = np.random.default_rng(11)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    lens = np.array([5, 2, 0], dtype=np.int32)
    np.save(os.path.join(folder, "rnn_lengths.x.npy"), x)
    np.save(os.path.join(folder, "rnn_lengths.lens.npy"), lens)
    f = TensorProto.FLOAT
    for name, gates, extra in (("lstm", 4, {"direction": "bidirectional"}),
                               ("gru", 3, {"linear_before_reset": 1})):
        dirs = 2 if extra.get("direction") == "bidirectional" else 1
        w = (0.4 * rng.standard_normal((dirs, gates * H, I))).astype(np.float32)
        r = (0.4 * rng.standard_normal((dirs, gates * H, H))).astype(np.float32)
        b = (0.4 * rng.standard_normal((dirs, 2 * gates * H))).astype(np.float32)
        outs = ["Y", "Y_h"] + (["Y_c"] if name == "lstm" else [])
        node = helper.make_node(name.upper(), ["X", "W", "R", "B", "lens"],
                                outs, name=f"/{name.upper()}", hidden_size=H,
                                **extra)
        small(folder, f"{name}_lengths", [node],
              [helper.make_tensor_value_info("X", f, [T, B, I]),
               helper.make_tensor_value_info("lens", TensorProto.INT32, [B])],
              [helper.make_tensor_value_info("Y", f, [T, dirs, B, H])] +
              [helper.make_tensor_value_info(o, f, [dirs, B, H])
               for o in outs[1:]],
              [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R"),
               numpy_helper.from_array(b, "B")], opset=14)
        session = onnxruntime.InferenceSession(
            os.path.join(folder, f"{name}_lengths.onnx"))
        for o, v in zip(outs, session.run(None, {"X": x, "lens": lens})):
            np.save(os.path.join(folder, f"{name}_lengths.ort_{o}.npy"), v)


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "test/onnx/Inputs"
    os.makedirs(folder, exist_ok=True)
    tiny_bert(folder)
    error_models(folder)
    einsum_models(folder)
    attention_patterns(folder)
    pad_models(folder)
    cumsum_models(folder)
    rnn_lengths_models(folder)


if __name__ == "__main__":
    main()
