# Writes a .heed model that is a chain of N elementwise ops over f32[16]
# (tanh, sigmoid, exp, neg in turn) to stdout: the shape of a very deep
# model, for the scaling tests. Usage: chain_model.py N
import sys

n = int(sys.argv[1])
ops = ["tanh", "sigmoid", "exp", "neg"]
lines = ["graph chain(x: f32[16]) {"]
prev = "x"
for i in range(n - 1):
    lines.append(f"  a{i} = {ops[i % 4]}({prev})")
    prev = f"a{i}"
lines.append(f"  return y = tanh({prev})")
lines.append("}")
print("\n".join(lines))
