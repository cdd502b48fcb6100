# brig: thin wrapper around meson/ninja for the README's commands.
PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
MESON_OPTS ?=

.PHONY: all build setup demo check bench bench-registry fuzz clean install unit integration mutants format

all: build

setup:
	./scripts/setup.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: setup build
	./scripts/demo.sh $(BUILD)

check: setup
	./scripts/check.sh

unit: build
	./scripts/check.sh --only unit

integration: build
	./scripts/check.sh --only integration

# Each protection switched off in turn (scripts/mutants.sh): not part of check.
mutants: setup
	./scripts/mutants.sh $(MUTANTS)

bench: setup build
	./bench/run-all.sh $(BUILD)

# One benchmark of bench/ (run-all runs it too): brig pull against skopeo and podman.
bench-registry: setup build
	./bench/registry.sh $(BUILD)

fuzz: setup
	./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

install: build
	meson configure $(BUILD) --prefix=$(PREFIX)
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(DESTDIR),)

# Rewrite the C sources as .clang-format says (make check checks it).
format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-mutant
