# contactsmock: the two commands are `make run` and `make test`.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
SEED    ?= 42
PKGS    := ./...
MODULE  := $(shell $(GO) list -m)

.PHONY: redis-server run test check vet fmt-check imports tidy-check staticcheck build bench bench-stages fuzz contract clean \
	zapier-test node-npm spec-lint browser-test inspector-screenshots doc-tools
REPORTS := $(CURDIR)/reports

## run: start the mock with seeded data on $(ADDR) and print how to call it
run:
	$(GO) run ./cmd/contactsmock serve --addr $(ADDR) --seed $(SEED)

## test: vet, the Zapier example's tests, the inspector's browser tests, then every Go test (unit
## tests with -race, contract suites against the in-process mock, the Redis backend and its
## replicas against a real redis-server and a three-node cluster the tests start, the README's
## and docs/' examples), then the contract suites once against two replicas on one Redis behind
## a round-robin proxy (tools/contract-replicas)
test: vet zapier-test browser-test redis-server doc-tools
	$(GO) test -race -count=1 $(PKGS)
	GO='$(GO)' tools/contract-replicas

## redis-server: Debian's redis-server and redis-cli, which the Redis tests start (installed when
## missing and possible; otherwise one line says how)
redis-server:
	@tools/ensure-deb redis-server redis-server redis-cli

## browser-test: the inspector's end-to-end tests (mockserver/admin/inspector, build tag browser)
## in Debian's Chromium, headless, through chromedp; installs chromium (and curl, which runs a
## copied command) when missing. Failures leave screenshots in reports/; the measured latencies
## go to reports/inspector-latency.json.
BROWSER_PKG := ./mockserver/admin/inspector
browser-test:
	@tools/ensure-deb chromium chromium
	@tools/ensure-deb curl curl
	$(GO) test -race -count=1 -tags browser $(BROWSER_PKG)

## inspector-screenshots: rewrite docs/inspector/*.png, one screenshot of each view
inspector-screenshots:
	@tools/ensure-deb chromium chromium
	@tools/ensure-deb curl curl
	$(GO) test -count=1 -tags browser $(BROWSER_PKG) -args -inspector.docs=$(CURDIR)/docs/inspector

## zapier-test: the Zapier example app's tests (examples/zapier, node:test and Zapier's
## createAppTester) against the real mock binary on a free loopback port. Runs npm ci first when
## node_modules is missing or older than package.json / package-lock.json. Needs Node.js 20+ and npm.
ZAPIER := examples/zapier
zapier-test: node-npm $(ZAPIER)/node_modules/.package-lock.json
	cd $(ZAPIER) && GO='$(GO)' npm test --silent

$(ZAPIER)/node_modules/.package-lock.json: $(ZAPIER)/package.json $(ZAPIER)/package-lock.json | node-npm
	cd $(ZAPIER) && npm ci --no-audit --no-fund
	@touch $@

# node-npm: make zapier-test and make spec-lint run Node.js tools; without Node.js 20+ and npm they
# stop here with one line saying how to install them.
node-npm:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || \
	  { echo "make $(MAKECMDGOALS) needs Node.js 20+ and npm: install them (apt-get install nodejs npm, or see nodejs.org)"; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || \
	  { echo "make $(MAKECMDGOALS) needs Node.js 20+, found $$(node --version): install a newer one (see nodejs.org)"; exit 1; }

## spec-lint: lint spec/openapi.yaml with Redocly CLI (recommended ruleset) and Spectral
## (spectral:oas), at the versions tools/speclint/package-lock.json pins (npm ci, without install
## scripts, when node_modules is missing or older than the lock). The rules turned off, each with
## its reason: tools/speclint/redocly.yaml and tools/speclint/.spectral.yaml. Needs Node.js 20+.
SPECLINT := tools/speclint
spec-lint: node-npm $(SPECLINT)/node_modules/.package-lock.json
	@cd $(SPECLINT) && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  npx --no-install redocly lint --config redocly.yaml ../../spec/openapi.yaml
	@cd $(SPECLINT) && npx --no-install spectral lint --ruleset .spectral.yaml ../../spec/openapi.yaml

$(SPECLINT)/node_modules/.package-lock.json: $(SPECLINT)/package.json $(SPECLINT)/package-lock.json | node-npm
	cd $(SPECLINT) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

## doc-tools: what the examples of README.md and docs/ use (TestDocExamples runs them with bash)
doc-tools:
	@tools/ensure-deb curl curl
	@tools/ensure-deb jq jq
	@tools/ensure-deb openssl openssl

## check: test plus formatting, import direction, go mod tidy, staticcheck and the document's
## linters (spec-lint)
check: fmt-check imports tidy-check staticcheck spec-lint test

vet:
	$(GO) vet -tags browser $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## imports: DESIGN.md's import direction (spec imports nothing of ours; mockserver never imports
## contract, suites, Ginkgo or Gomega; contract never imports mockserver; nothing imports cmd;
## bridge never imports contract or suites, and only bridge/inprocess imports mockserver;
## spec/specdiff and bridge/shape import nothing of ours but spec; contract/adminclient and listen
## import neither the mock, the contract library nor Ginkgo/Gomega; mocktest neither the contract
## library nor Ginkgo/Gomega; the Go examples nothing of ours but contract/webhooksig (their
## tests use mocktest)) and ARCHITECTURE.md's inside the
## mock (no subsystem imports the handlers, mockserver, or the admin API; the state packages, clock,
## ids, jsonwire and requestlog import no HTTP code)
imports:
	@$(GO) list -f '{{.ImportPath}} {{join .Imports " "}}' $(PKGS) | awk -v m="$(MODULE)" '\
	  { pkg=$$1; sub_=(index(pkg, m"/mockserver/")==1 && pkg != m"/mockserver/admin"); \
	    st=(pkg ~ m"/mockserver/(state|clock|ids|jsonwire|coverage|redis|requestlog)(/|$$)" && pkg !~ m"/redistest$$"); \
	    for (i=2;i<=NF;i++) { imp=$$i; \
	    if (sub_ && (imp == m"/mockserver" || imp == m"/mockserver/admin")) bad=bad pkg" imports "imp"\n"; \
	    if (pkg == m"/mockserver/admin" && imp == m"/mockserver") bad=bad pkg" imports "imp"\n"; \
	    if (st && (imp == "net/http" || index(imp, "net/http/")==1)) bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/mockserver" && (imp ~ m"/contract" || imp ~ m"/suites" || imp ~ /onsi\/(ginkgo|gomega)/)) bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/contract" && imp ~ m"/mockserver") bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/spec$$" && index(imp, m"/")==1) bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/fixtures$$" && index(imp, m"/")==1) bad=bad pkg" imports "imp"\n"; \
	    if (imp ~ m"/cmd/") bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/bridge" && (imp ~ m"/contract" || imp ~ m"/suites" || imp ~ /onsi\/(ginkgo|gomega)/)) bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/bridge" && pkg !~ m"/bridge/inprocess$$" && imp ~ m"/mockserver") bad=bad pkg" imports "imp"\n"; \
	    if ((pkg ~ m"/spec/specdiff$$" || pkg ~ m"/bridge/shape$$") && index(imp, m"/")==1 && imp != m"/spec") bad=bad pkg" imports "imp"\n"; \
	    if ((pkg ~ m"/contract/adminclient$$" || pkg ~ m"/listen$$") && (imp ~ m"/mockserver" || imp == m"/contract" || imp ~ /onsi\/(ginkgo|gomega)/)) bad=bad pkg" imports "imp"\n"; \
	    if ((pkg ~ m"/mocktest$$" || pkg ~ m"/examples/") && (imp == m"/contract" || imp ~ m"/suites" || imp ~ /onsi\/(ginkgo|gomega)/)) bad=bad pkg" imports "imp"\n"; \
	    if (pkg ~ m"/examples/" && index(imp, m"/")==1 && imp != m"/contract/webhooksig") bad=bad pkg" imports "imp"\n"; } } \
	  END { if (bad != "") { printf "imports against DESIGN.md:\n%s", bad; exit 1 } }'
	@echo "import direction: ok"

tidy-check:
	@cp go.mod /tmp/contactsmock.go.mod.bak; cp go.sum /tmp/contactsmock.go.sum.bak; \
	$(GO) mod tidy; \
	if ! git diff --quiet -- go.mod go.sum; then echo "go mod tidy changes go.mod/go.sum"; git diff -- go.mod go.sum; \
	  cp /tmp/contactsmock.go.mod.bak go.mod; cp /tmp/contactsmock.go.sum.bak go.sum; exit 1; fi

## staticcheck: run honnef.co/go/tools at a pinned version (fetched from the module proxy)
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags browser $(PKGS)

## contract: run the contract suites against a target, in random order, and write
## reports/contract-junit.xml and reports/contract-coverage.json (docs/contract-suites.md):
##   make contract                                   the in-process mock
##   make contract BASE_URL=http://127.0.0.1:8080    a mock in another process: the suite mints
##                                                   its own tokens and works in locations of its own
##   CONTACTS_TOKEN=... CONTACTS_READONLY_TOKEN=... CONTACTS_LOCATION_ID=... make contract BASE_URL=https://services.leadconnectorhq.com
## Optional: LABELS='auth || tasks', GINKGO_SEED=N (replay an order), PROCS=4 (parallel processes,
## through the Ginkgo CLI), ADMIN_URL, ADMIN_TOKEN, SPEC=FILE (the document the target serves),
## SEARCH_WAIT=30s. Tokens travel in the environment, never on a command line or in make's output.
PROCS ?= 1
# The CONTACTS_* variables of the environment are the defaults (evaluated once, here).
BASE_URL := $(or $(BASE_URL),$(CONTACTS_BASE_URL))
ADMIN_URL := $(or $(ADMIN_URL),$(CONTACTS_ADMIN_URL))
ADMIN_TOKEN := $(or $(ADMIN_TOKEN),$(CONTACTS_ADMIN_TOKEN))
TOKEN := $(or $(TOKEN),$(CONTACTS_TOKEN))
READONLY_TOKEN := $(or $(READONLY_TOKEN),$(CONTACTS_READONLY_TOKEN))
LOCATION_ID := $(or $(LOCATION_ID),$(CONTACTS_LOCATION_ID))
SPEC := $(or $(SPEC),$(CONTACTS_SPEC))
SEARCH_WAIT := $(or $(SEARCH_WAIT),$(CONTACTS_SEARCH_WAIT))
contract: export CONTACTS_BASE_URL = $(BASE_URL)
contract: export CONTACTS_ADMIN_URL = $(ADMIN_URL)
contract: export CONTACTS_ADMIN_TOKEN = $(ADMIN_TOKEN)
contract: export CONTACTS_TOKEN = $(TOKEN)
contract: export CONTACTS_READONLY_TOKEN = $(READONLY_TOKEN)
contract: export CONTACTS_LOCATION_ID = $(LOCATION_ID)
contract: export CONTACTS_SPEC = $(SPEC)
contract: export CONTACTS_SEARCH_WAIT = $(SEARCH_WAIT)
contract:
	@mkdir -p $(REPORTS)
	@echo "contract: $(if $(BASE_URL),$(BASE_URL),the in-process mock)$(if $(TOKEN), with the token given,)$(if $(LABELS), labels '$(LABELS)',)$(if $(filter-out 1,$(PROCS)), on $(PROCS) processes,)"
ifeq ($(PROCS),1)
	@$(GO) test -count=1 -v -timeout 30m ./suites/contacts -args \
		-ginkgo.randomize-all $(if $(GINKGO_SEED),-ginkgo.seed=$(GINKGO_SEED)) \
		-ginkgo.junit-report=$(REPORTS)/contract-junit.xml \
		-contract.coverage-report=$(REPORTS)/contract-coverage.json \
		$(if $(LABELS),-ginkgo.label-filter='$(LABELS)')
else
	@$(GO) run github.com/onsi/ginkgo/v2/ginkgo --procs=$(PROCS) --randomize-all $(if $(GINKGO_SEED),--seed=$(GINKGO_SEED)) \
		--junit-report=contract-junit.xml --output-dir=$(REPORTS) $(if $(LABELS),--label-filter='$(LABELS)') \
		./suites/contacts -- -contract.coverage-report=$(REPORTS)/contract-coverage.json
endif

## fuzz: run every native fuzz target in turn for FUZZTIME each (go test -fuzz takes one target
## per run); new interesting inputs land in the package's testdata/fuzz/ and are replayed by make test
FUZZTIME ?= 20s
# without a bound, go test spends a minute minimising each new input of the slower targets
FUZZMINTIME ?= 5s
FUZZ_TARGETS := \
	./mockserver:FuzzRequestTarget ./mockserver:FuzzOperationBody ./mockserver:FuzzOAuthForm \
	./mockserver:FuzzAdminRequest ./mockserver/oauth:FuzzRedirectAllowed ./mockserver/oauth:FuzzParseRefresh \
	./fixtures:FuzzParse ./cmd/contactsmock:FuzzStateFile \
	./contract/webhooksig:FuzzParsePublicKey ./contract/webhooksig:FuzzVerify \
	./fixtures:FuzzTimestampWireForm ./spec:FuzzBodyPlans ./mockserver/state:FuzzOptString \
	./mockserver/jsonwire:FuzzAppendMatchesEncoding ./mockserver/jsonwire:FuzzDecodeAny ./mockserver/jsonwire:FuzzUnmarshal \
	./mockserver/state/memory:FuzzCompareLowered ./mockserver/state/memory:FuzzTagKey \
	./bridge/shape:FuzzOfCompare ./mockserver/requestlog:FuzzLinesAsSlogWritesThem
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "== $$fn ($$pkg, $(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) $$pkg; done

## bench: the mock against a bare net/http handler in one process (get, list 20, create, 429s,
## write-heavy mix), start-up and RSS of the real binary (default data and 100,000 contacts) and
## page latency at that size; about two minutes. BENCH_TIME (default 1s) is the length of each
## measured round. Never part of make test.
BENCH_TIME ?= 1s
bench: redis-server
	BENCH_TIME=$(BENCH_TIME) $(GO) run ./cmd/contactsbench
	@echo "== the Redis backend (docs/replicas.md): get, list 20, create through one replica and two on one redis-server"
	$(GO) test -run '^$$' -bench BenchmarkReplicas -benchtime $(BENCH_TIME) ./mockserver/redis

## bench-stages: go test benchmarks of each pipeline stage, with allocations
bench-stages:
	$(GO) test -run '^$$' -bench . -benchmem ./spec ./fixtures ./mockserver/...

build:
	$(GO) build -o bin/contactsmock ./cmd/contactsmock

clean:
	rm -rf bin reports
