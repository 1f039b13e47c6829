# The two commands of the README:
#   make demo    install dependencies, build, and run the demo
#   make check   install dependencies, build, and run every test
# Everything else is a convenience around meson.

BUILD ?= build
ASAN_BUILD ?= build-asan
PYTHON ?= /usr/bin/python3

.PHONY: all deps build build-asan demo check unit integration check-asan fuzz format clean

all: build

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug

build-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

demo: deps build
	./scripts/demo.sh $(BUILD)/src/orbit/orbit

# Both tiers, on the normal build and on an AddressSanitizer + UBSan build.
check: deps build build-asan
	$(PYTHON) tests/run_all.py --build $(BUILD) --build $(ASAN_BUILD)

unit: build
	$(PYTHON) tests/run_all.py --build $(BUILD) --unit-only

integration: build
	$(PYTHON) tests/run_all.py --build $(BUILD) --integration-only

check-asan: deps build-asan
	$(PYTHON) tests/run_all.py --build $(ASAN_BUILD)

fuzz:
	./tests/fuzz/run.sh 60

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) demo
