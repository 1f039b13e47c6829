# The two commands of the README:
#   make demo    install dependencies, build, and run the demo
#   make check   install dependencies, build, and run every test
# Everything else is a convenience around meson.

BUILD ?= build
PYTHON ?= /usr/bin/python3

.PHONY: all deps build demo check unit integration check-asan fuzz format clean

all: build

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: deps build
	./scripts/demo.sh $(BUILD)/src/orbit/orbit

check: deps build
	$(PYTHON) tests/run_all.py --build $(BUILD)

unit: build
	$(PYTHON) tests/run_all.py --build $(BUILD) --unit-only

integration: build
	$(PYTHON) tests/run_all.py --build $(BUILD) --integration-only

# The whole suite on an AddressSanitizer + UndefinedBehaviorSanitizer build.
check-asan: deps
	[ -f build-asan/build.ninja ] || meson setup build-asan -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(PYTHON) tests/run_all.py --build build-asan

fuzz:
	./tests/fuzz/run.sh 60

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan demo
