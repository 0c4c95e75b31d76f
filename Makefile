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
        cmake ninja-build ccache clang-format python3 python3-numpy python3-torch

.PHONY: all deps configure build test check-lit check-unit check-asan check-tsan check-torch torch-goldens demo docs format clean

all: build

deps:
	@missing=""; \
	for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "deps: all $(words $(DEPS)) pinned packages are installed"; \
	else \
	  echo "deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD_DIR)/build.ninja: | deps
	cmake --preset $(PRESET) -B $(BUILD_DIR)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

check-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

check-lit: build
	/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv $(BUILD_DIR)/test

# Runs both suites even if the first fails, prints both summaries, and fails
# if either failed.
test: build
	@unit=0; lit=0; \
	echo "== unit tests (ctest) =="; \
	( cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) ) || unit=1; \
	echo "== regression tests (lit) =="; \
	/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv $(BUILD_DIR)/test || lit=1; \
	echo "== summary: unit $$([ $$unit = 0 ] && echo passed || echo FAILED), lit $$([ $$lit = 0 ] && echo passed || echo FAILED) =="; \
	[ $$unit = 0 ] && [ $$lit = 0 ]

# The seed model zoo (examples/seed/) against live PyTorch: every model runs
# in heed-run --reference and in PyTorch (Debian's torch) on the same inputs
# and weights, and the committed goldens must still equal PyTorch's outputs.
# Writes nothing; `make torch-goldens` rewrites tools/torch-reference/goldens/
# (the inputs and expected outputs that test/e2e/seed/ compares against).
check-torch: build
	/usr/bin/python3 tools/torch-reference/seed_models.py check --bin $(BUILD_DIR)/bin

torch-goldens: build
	/usr/bin/python3 tools/torch-reference/seed_models.py goldens --bin $(BUILD_DIR)/bin

# Every test under AddressSanitizer + UBSan (build-asan/).
check-asan: deps
	cmake --preset asan
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)
	/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv build-asan/test

# The executor tests under ThreadSanitizer (build-tsan/). Debian's libtbb is
# not instrumented; test/tsan.supp explains the suppressions this needs.
check-tsan: deps
	cmake --preset tsan
	cmake --build build-tsan --target HeedRuntimeTests -j $(JOBS)
	TSAN_OPTIONS="suppressions=$(CURDIR)/test/tsan.supp halt_on_error=1 history_size=7" \
	  build-tsan/unittests/HeedRuntimeTests

demo: build
	@bash examples/demo.sh $(BUILD_DIR)

docs: build
	cmake --build $(BUILD_DIR) --target heed-docs

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
