# Recur — the two set-up commands are `make demo` and `make test`.
# Both install the Debian/Ubuntu packages Recur builds against when missing.

SWIFT        ?= swift
SYSTEM_DEPS  := libcurl4-openssl-dev libxml2-dev zlib1g-dev libsqlite3-dev libpq-dev pkg-config
# The PostgreSQL server, for the tests of the PostgreSQL store (they start a throwaway one).
TEST_DEPS    := postgresql
CONFIG       ?= debug
BIN          := .build/$(CONFIG)/recur

.PHONY: all deps build release test test-sanitize fuzz demo screenshot bench-run bench-report bench-claims bench-fetch bench-rnn bench-extract train-extract eval-extract train-sentiment eval-sentiment train-names eval-names format clean

all: build

# Installs the system libraries when any is missing: as root directly, else through
# sudo; without either it prints the exact command and stops.
deps:
	@missing=""; \
	for p in $(SYSTEM_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  elif command -v sudo >/dev/null 2>&1; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Recur needs:$$missing. Install them with:"; \
	    echo "  apt-get update && apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

release:
	$(MAKE) build CONFIG=release

# Tests build in release mode (with testing enabled): the network tests train small
# models, about 8x faster optimised.
TEST_FLAGS := -c release -Xswiftc -enable-testing

test: deps
	@$(MAKE) --no-print-directory deps SYSTEM_DEPS="$(TEST_DEPS)"
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing

# The whole suite under the thread sanitizer (the runner's fetch thread, parse workers and
# label workers) and then the address sanitizer, each built in a folder of its own
# (.build/sanitize-NAME) so the ordinary build stays. Slow (two more builds and a slower
# suite): not part of `make test`, run before a change to the runner or the engine lands.
# SANITIZE_FILTER=RegEx narrows the tests. Leaks are not counted (TOMLKit leaks a table on
# each refused job file); every memory error is.
SANITIZERS ?= thread address
test-sanitize: deps
	@$(MAKE) --no-print-directory deps SYSTEM_DEPS="$(TEST_DEPS)"
	@for sanitizer in $(SANITIZERS); do \
	  echo "== $$sanitizer sanitizer" && \
	  $(SWIFT) build $(TEST_FLAGS) --build-tests --sanitize $$sanitizer --scratch-path .build/sanitize-$$sanitizer && \
	  RECUR_SANITIZER=$$sanitizer TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ASAN_OPTIONS="detect_leaks=0" \
	  $(SWIFT) test $(TEST_FLAGS) --skip-build --sanitize $$sanitizer \
	    --scratch-path .build/sanitize-$$sanitizer --disable-swift-testing \
	    $(if $(SANITIZE_FILTER),--filter '$(SANITIZE_FILTER)') || exit 1; \
	done

# libFuzzer harnesses (Fuzz/): every reader of outside bytes — HTML parse + extract,
# tokenizer + sentence splitter, feed/sitemap parser, robots.txt parser, safetensors
# reader, job-file reader, labelled data files (sentiment TSV, CSV and JSON lines; names
# TSV and offset-marked JSON lines) and training mixes — built with the fuzzer and address sanitizers and the coverage
# libFuzzer reads from every module (SwiftPM's --sanitize fuzzer alone instruments none
# of the library code), each run for
# FUZZ_SECONDS from its committed seed corpus (Fuzz/Corpus/NAME; the corpus grown and any
# crash go to Fuzz/.work/NAME). Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= html tokenizer feed robots safetensors jobfile datafiles
# Seeds beside the corpus: the demo pages and job files are written for the project too.
FUZZ_SEEDS_html = jobs/demo/pages
FUZZ_SEEDS_jobfile = jobs
# The Swift runtime's own backtracer is off: under the address sanitizer it can hang after a
# crash instead of letting libFuzzer write the input out.
# TOMLKit leaks a table (232 bytes) each time it refuses a malformed file: harmless for
# a process that reads one job file, so the job-file harness does not count leaks, during
# the run or at its exit (ASan still stops it on any memory error).
FUZZ_FLAGS_jobfile = -detect_leaks=0
fuzz: deps
	cd Fuzz && $(SWIFT) build -c debug --sanitize fuzzer --sanitize address \
	  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p Fuzz/.work/$$target && \
	  echo "fuzz-$$target: $(FUZZ_SECONDS) s" && \
	  env $$(case $$target in jobfile) echo ASAN_OPTIONS=detect_leaks=0;; esac) SWIFT_BACKTRACE=enable=no \
	  Fuzz/.build/debug/fuzz-$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $$(case $$target in jobfile) echo $(FUZZ_FLAGS_jobfile);; esac) \
	    -artifact_prefix=Fuzz/.work/$$target/ Fuzz/.work/$$target Fuzz/Corpus/$$target \
	    $$(case $$target in html) echo $(FUZZ_SEEDS_html);; jobfile) echo $(FUZZ_SEEDS_jobfile);; esac) 2>&1 \
	    | grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
	    || true; \
	  if ls Fuzz/.work/$$target | grep -qE '^(crash|leak|timeout|oom)-'; then \
	    echo "fuzz-$$target found a failing input in Fuzz/.work/$$target"; exit 1; fi; \
	done

# Runs the offline demo job (jobs/demo.toml over jobs/demo/pages) with a release build and
# prints the path of its report.html. A second `make demo` reuses every label.
demo:
	$(MAKE) release
	@.build/release/recur run jobs/demo.toml

# Renders the newest demo report to reports/demo/latest/report.png with headless
# Chromium (Debian's chromium package, installed when missing), for a person to look at.
# The report as a reader sees it, at desktop and phone widths: the demo's, or another's
# with REPORT=path/to/report.html. Writes report-desktop.png and report-phone.png beside it.
REPORT ?= $(CURDIR)/reports/demo/latest/report.html
screenshot:
	@test -e "$(REPORT)" || $(MAKE) demo
	@$(MAKE) deps SYSTEM_DEPS=chromium
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 \
	  --screenshot=$(dir $(abspath $(REPORT)))report-desktop.png file://$(abspath $(REPORT))
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=390,2400 \
	  --force-device-scale-factor=1 \
	  --screenshot=$(dir $(abspath $(REPORT)))report-phone.png file://$(abspath $(REPORT))
	@echo $(dir $(abspath $(REPORT)))report-desktop.png $(dir $(abspath $(REPORT)))report-phone.png

# End-to-end documents/s and peak memory of `recur run` over the WCXB pages served from a
# local HTTP server, beside the Python glue (trafilatura + VADER) when /tmp/peers has it.
bench-run: release
	cd Benchmarks && $(SWIFT) build -c release --product run-bench && ./.build/release/run-bench \
	  --recur $(CURDIR)/.build/release/recur --models $(CURDIR)/models --data $(abspath $(DATA))/wcxb $(BENCH_ARGS)

# `recur report` over synthetic stores of 1,000, 10,000 and 100,000 documents: time, peak
# memory and the size of every file (BENCH_ARGS="--sizes 1000,10000" for fewer).
bench-report: release
	cd Benchmarks && $(SWIFT) build -c release --product report-bench && ./.build/release/report-bench \
	  --recur $(CURDIR)/.build/release/recur $(BENCH_ARGS)

# Claims/s and commits/s a PostgreSQL store sustains for 16 workers with nothing else to do:
# make bench-claims STORE_URL=postgresql://user@host:port/db [BENCH_ARGS="--workers 4 --hosts 20"]
bench-claims: deps
	@test -n "$(STORE_URL)" || { echo "give STORE_URL=postgresql://user@host:port/db (an empty database)"; exit 2; }
	cd Benchmarks && $(SWIFT) build -c release --product claim-bench && ./.build/release/claim-bench --url '$(STORE_URL)' $(BENCH_ARGS)

bench-fetch: deps
	cd Benchmarks && $(SWIFT) build -c release --product fetch-bench && ./.build/release/fetch-bench $(BENCH_ARGS)

# RecurNN tokens/s in the PyTorch reference's configurations (../shared/bench/rnn_torch_bench.py),
# at 1 and 2 threads; JSON=1 prints one JSON object per line per configuration.
bench-rnn: deps
	cd Benchmarks && $(SWIFT) build -c release --product rnn-bench && ./.build/release/rnn-bench $(BENCH_ARGS)

# Parse + extract MB/s over the WCXB pages beside libxml2's parse alone.
bench-extract: deps
	cd Benchmarks && $(SWIFT) build -c release --product extract-bench && ./.build/release/extract-bench --data ../../shared/data/wcxb $(BENCH_ARGS)

# Reproduces models/sentiment from the command and seed in its card (about 10 minutes on
# 2 cores), then scores it on the dev sets.
DATA ?= ../shared/data
train-sentiment: release
	.build/release/recur train sentiment --mix training/sentiment.mix --data $(DATA) --out models/sentiment --seed 1 --pretrain-epochs 4 --spelling-buckets 65536 --unknown-rate 0.1 --no-spell-known-words --adversarial 0.5
	$(MAKE) eval-sentiment

# Every dev set of the mix, scored by the shipped model as training checked it, and their
# selection mean (the card's).
eval-sentiment: release
	.build/release/recur eval sentiment --mix training/sentiment.mix --data $(DATA) --model models/sentiment

# Reproduces models/names from the mix, options and seed in its card (about 27 minutes on 2 cores),
# then scores it on every dev file of the mix.
train-names: release
	.build/release/recur train names --mix training/names.mix --data $(DATA) --out models/names --seed 2 --swap-names 0.3 --epochs 50 --reading-words 100000
	$(MAKE) eval-names

eval-names: release
	.build/release/recur eval names --mix training/names.mix --data $(DATA) --model models/names

# Reproduces models/extract from the command and seed in its card (about a minute on 2
# cores: 5 cross-validation folds and the final fit), then scores it on the WCXB pages.
train-extract: release
	.build/release/recur train extract --data $(DATA)/wcxb --data $(DATA)/extraction/readability \
		--data $(DATA)/extraction/trafilatura_eval --reading both --out models/extract --seed 1
	$(MAKE) eval-extract

eval-extract: release
	.build/release/recur eval extract --data $(DATA)/wcxb
	.build/release/recur eval extract --data $(DATA)/extraction/readability
	.build/release/recur eval extract --data $(DATA)/extraction/trafilatura_eval
	.build/release/recur eval extract --data $(DATA)/wcxb --rules

format:
	swift-format format --in-place --recursive --parallel Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources

clean:
	rm -rf .build Benchmarks/.build
