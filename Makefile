# Periscope build and test entry points. `make run` and `make test` are the
# two commands README.md starts with.

GO      ?= go
BIN     ?= bin
PLUGINS := webhook slack email
# The binaries need no cgo (modernc.org/sqlite is pure Go); the race
# detector in `make test` does, so only the builds turn it off.

.PHONY: build plugins run test test-short bench fmt vet clean npm

## build: the server and the first-party plugins into ./bin
build: plugins
	CGO_ENABLED=0 $(GO) build -o $(BIN)/periscope ./core/cmd/periscope

plugins:
	@mkdir -p $(BIN)
	@echo "building periscope and its plugins ($(PLUGINS)) into $(BIN)/ (the first build compiles every dependency and takes about a minute; later ones take seconds)…"
	@for p in $(PLUGINS); do \
		if [ -d plugins/$$p ]; then CGO_ENABLED=0 $(GO) build -o $(BIN)/periscope-plugin-$$p ./plugins/$$p || exit 1; fi; \
	done

## run: build, then serve on 127.0.0.1:8000 with SQLite under ./data and config.yaml
run: build
	@echo "starting ./$(BIN)/periscope serve --config config.yaml (it logs the address it serves on; Ctrl-C stops it)…"
	./$(BIN)/periscope serve --config config.yaml

## npm: the JavaScript SDKs the end-to-end tests drive
npm:
	@if [ -f itest/js/package.json ]; then cd itest/js && npm ci --no-audit --no-fund --loglevel=error; fi

## test: the whole suite (unit, both databases, real SDKs, real plugins), with the race detector
test: npm
	$(GO) test -race -count=1 -timeout 30m $(TESTFLAGS) ./...

## test-short: unit tests only, no race detector
test-short:
	$(GO) test -short ./...

## bench: hot-path micro-benchmarks (see itest/bench/README.md for the load test)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./core/... ./rules/...

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
