// The dialect reference in docs/dialects/ is generated from the ODS files,
// the kernel reference of docs/runtime.md from runtime/kernels/Kernels.td;
// this fails when someone changes an op or a kernel without running
// `make docs`.
// RUN: diff -u %heed_src/docs/dialects/heed-ops.md %heed_obj/dialects/heed/HeedOps.md
// RUN: diff -u %heed_src/docs/dialects/attn-ops.md %heed_obj/dialects/attn/AttnOps.md
// RUN: diff -u %heed_src/docs/dialects/attn-attrs.md %heed_obj/dialects/attn/AttnAttrs.md
// RUN: diff -u %heed_src/docs/dialects/attn-interfaces.md %heed_obj/dialects/attn/AttnInterfaces.md
// RUN: diff -u %heed_src/docs/dialects/heedrt-ops.md %heed_obj/dialects/heedrt/HeedrtOps.md
// RUN: diff -u %heed_src/docs/passes-reference.md %heed_obj/passes/Passes.md
// RUN: %python %heed_src/cmake/splice_markdown.py %heed_src/docs/runtime.md %heed_obj/runtime/Kernels.md kernel-reference --check
