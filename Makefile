# dlc — see README.md. Every target works on a fresh clone once .ci/run's
# packages are installed (libonnx-testdata, protobuf-compiler, python3-torch).
SHELL := /bin/bash
GO ?= go
BIN := bin/dlc
DEMO := testdata/onnx/mlp

.PHONY: all build demo test vet fmt-check conformance ortcheck fuzz generate check-generated models bench bench-models bench-train clean words

all: build

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/dlc

# Inspect and run the small MLP the project builds itself (testdata/onnx).
demo: build
	./$(BIN) inspect $(DEMO)/model.onnx
	./$(BIN) run $(DEMO)/model.onnx -i $(DEMO)/test_data_set_0/input_0.pb -o $(or $(OUT),/tmp/dlc-demo)

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The whole test suite: unit tests (the kernels also with -tags noasm, the
# pure-Go path every non-amd64 machine runs), ONNX conformance (with the
# expected-failures list; pipeline off and on), round trips, real PyTorch
# models, and a short fuzz run of the ONNX loader. The fuzz run is bounded by
# a count of executions, not a duration: Go 1.26's coordinator can report a
# spurious "context deadline exceeded" when a -fuzztime duration expires on a
# loaded machine (go.dev/issue/75804, fixed in Go 1.27).
test: fmt-check vet models
	CGO_ENABLED=0 $(GO) build ./...
	GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -count=1 -tags noasm ./backend/... ./runtime/...
	$(GO) test -count=1 -timeout 40m $$($(GO) list ./... | grep -vE '/internal/(conformance|ortcheck)$$')
	$(MAKE) conformance
	$(MAKE) ortcheck
	$(GO) test -count=1 -timeout 10m -run '^$$' -fuzz FuzzDecode -fuzztime 300000x ./frontend/onnx

# One summary line per ONNX backend-test suite.
conformance:
	@set -o pipefail; $(GO) test -count=1 -timeout 30m -run TestONNXBackend -v ./internal/conformance | grep -vE '^(=== RUN|--- PASS)'


# Every model dlc imports, exported again and run in ONNX Runtime 1.30; one
# summary line per suite.
ortcheck:
	@set -o pipefail; $(GO) test -count=1 -timeout 20m -run TestExportRunsInORT -v ./internal/ortcheck | grep -vE '^(=== RUN|--- PASS|    ortcheck_test.go:[0-9]+: skipped)'

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 5m ./frontend/onnx

# Regenerate the protobuf Go code, the testdata models and the ONNX type
# constraints table (from python3-onnx's schemas).
generate:
	$(GO) generate ./...
	$(GO) run ./internal/cmd/genmodels testdata/onnx
	/usr/bin/python3 scripts/gen_type_constraints.py

check-generated: generate
	@git diff --exit-code -- frontend/onnx/onnxpb testdata/onnx ir/gen_type_constraints.go ':(glob)backend/cpu/**/gen_*' examples/aot/fashion || (echo "generated files are stale: run make generate"; exit 1)

# Export the real PyTorch models (ResNet-18, MobileNetV2, BERT-like, LSTM)
# into the cache once, before the tests that read them run in parallel.
models:
	/usr/bin/python3 scripts/export_torch_models.py .cache/models

ORT_NODE := .cache/npm/node_modules/onnxruntime-node
BENCH_EXPORTS := mlp resnet18 resnet50 mobilenet_v2 squeezenet bert lstm matmul_256 matmul_512 matmul_1024 matmul_2048

# dlc against ONNX Runtime 1.30 in the same run (alternating rounds), one row
# per model and thread count, plus SGEMM GFLOP/s against the FMA peak.
# BENCH_MODELS=mlp,resnet18 runs a subset; BENCH_FLAGS=--json prints JSON
# lines (see `go run ./internal/cmd/benchcmp -h` for the rest).
bench: build bench-models $(ORT_NODE)/package.json
	$(GO) run ./internal/cmd/benchcmp --dlc $(BIN) $(BENCH_FLAGS)

# dlc's trainer against PyTorch (scripts/bench_train_torch.py; needs
# python3-torch, libopenblas0-pthread and dataset-fashion-mnist) on the
# Fashion-MNIST MLP, CNN, LSTM and Transformer at 1 and 2 threads: samples/s and their ratio,
# then test accuracy after BENCH_TRAIN_EPOCHS epochs (default 1).
bench-train: build
	$(GO) run ./internal/cmd/benchtrain --dlc $(BIN) --epochs $(or $(BENCH_TRAIN_EPOCHS),1)

# Export (random weights, fixed seeds) only the models missing from
# .cache/bench; each folder is renamed into place once complete.
bench-models:
	@missing=$$(for m in $(BENCH_EXPORTS); do [ -f .cache/bench/$$m/model.onnx ] || printf '%s,' $$m; done); \
	if [ -n "$$missing" ]; then /usr/bin/python3 scripts/export_bench_models.py .cache/bench --only "$${missing%,}"; fi

# The same install as .ci/run.
$(ORT_NODE)/package.json:
	mkdir -p .cache/npm
	npm install --prefix .cache/npm --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null

# The word-language dataset of examples/train/words-*.yaml: 20,000 training
# and 2,000 test words per language from Debian's word lists (wamerican
# wngerman wfrench wspanish witalian wportuguese wdutch) into .cache/words.
words:
	$(GO) run ./internal/cmd/genwords -out .cache/words

clean:
	rm -rf bin .cache
