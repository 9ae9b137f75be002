# Fleet: every command a developer or operator needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
TEST_REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help deps build typecheck lint format test test-deps test-node run bench-ingress bench-sessions bench-qr-floor bench-webhooks bench-media bench-console loadtest loadtest-scaling loadtest-max backup restore dr-drill bench-dr clean \
  prometheus deploy-systemd deploy-compose deploy-k8s

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

deps: ## Install npm dependencies when missing or stale
	@scripts/ensure-node-deps.sh

build: deps ## Compile every package (tsc -b) and bundle the web console (services/console → dist/www)
	@npx tsc -b
	@node services/console/build.mjs

typecheck: deps ## Type-check everything, tests included
	@npx tsc -b --force --verbose false

lint: deps ## ESLint over all code, and Prettier's check of its format (one style across the tree; make format applies it)
	@npx eslint .
	@npx prettier --check --log-level warn "**/*.{ts,tsx,js,mjs,cjs}" && echo "prettier: every file formatted"

format: deps ## Format all code with Prettier (.prettierrc.json)
	@npx prettier --write --log-level warn "**/*.{ts,tsx,js,mjs,cjs}"

test: build test-deps ## Install what is missing, start Redis if none answers, run every test
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  TEST_REDIS_URL=$$url node scripts/run-tests.js

test-deps: ## Debian packages the tests need: php-cli, Laravel components, Guzzle and php-curl (Laravel integration tests), Chromium (console browser tests)
	@scripts/ensure-php.sh
	@scripts/ensure-chromium.sh

test-node: build ## Tests under other Node majors fetched from the npm registry: make test-node [NODE_VERSIONS="22 24"] [TESTS="services/worker shared/signal-crypto"] (not part of make test)
	@TEST_REDIS_URL="$(TEST_REDIS_URL)" NODE_VERSIONS="$(or $(NODE_VERSIONS),22 24)" scripts/test-node-versions.sh $(TESTS)

run: build ## A local fleet: Redis, local S3, simulator, ingress (API, /console, /docs), two workers, dispatcher, backup service; prints how to use it
	@node scripts/run-local.js

bench-ingress: build ## autocannon against POST /api/messages/send with two workers up
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/ingress.js

bench-sessions: build ## Fleet cost vs the bare-Baileys floor (BENCH_FLOOR=0 skips it), then N sessions on ONE worker (BENCH_SESSIONS=500): CPU/unit and ratio, time to connected, RSS/session, QR and send p50/p95, and a burst (BENCH_BURST_SESSIONS=200 × BENCH_BURST_SIZE=20 at once; exit 1 if any is lost, reordered or undecryptable)
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/sessions.js

bench-qr-floor: build ## The bare-Baileys floor alone: N sessions (default 500) paired and sending through bare Baileys sockets against the simulator; CPU per paired session and per message
	@node services/worker/dist/bench/floor.js $(or $(N),500)

loadtest: build ## Load harness: make loadtest SCENARIO=create|send|mixed|soak SESSIONS=100 WORKERS=2 DURATION=60 (s); report in loadtest/reports
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url SCENARIO=$(or $(SCENARIO),mixed) SESSIONS=$(or $(SESSIONS),100) WORKERS=$(or $(WORKERS),2) DURATION=$(or $(DURATION),60) \
	  node loadtest/dist/src/bin/loadtest.js

loadtest-scaling: build ## Linear scaling: make loadtest-scaling PER_WORKER=250 WORKER_COUNTS=1,2,4 DURATION=60 [SCENARIO=mixed]; Markdown table + loadtest/reports
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bin/loadtest-scaling.js

loadtest-max: build ## Largest session count one worker holds within the targets: make loadtest-max START=250 STEP=250 LIMIT=3000 DURATION=60
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bin/loadtest-max.js

bench-failover: build ## kill -9 and drain of a worker with 500 sessions; moved fraction on joins
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/failover.js

bench-webhooks: build ## Webhook deliveries/s and event → delivery p50/p95 at 1,000 events/s to a local receiver
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node services/dispatcher/dist/bench/webhooks.js

bench-media: build ## Media against the simulator: 1 MB image sends p50/p95 at 20/s, worker RSS with 50 × 16 MB documents in flight, inbound images stored/s (BENCH_MEDIA_*)
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/media.js

bench-console: build test-deps ## Console page loads with 3,000 session records (Chromium via playwright-core; figures for docs/benchmarks.md)
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/console.js

# Backups of the local fleet (make run writes .data/local.env); outside it, set SESSION_STORAGE_PATH and S3_*.
LOCAL_ENV := set -a; [ -f .data/local.env ] && . .data/local.env; set +a;

backup: build ## Take one snapshot of the session tree to S3 now (fleetctl backup now) and apply retention
	@$(LOCAL_ENV) node services/fleetctl/dist/src/bin.js backup now

restore: build ## Restore SNAPSHOT=<id|latest> [WORKSPACE=N] [DRY_RUN=1]: verified, then sessions restarted and reported
	@test -n "$(SNAPSHOT)" || { echo 'usage: make restore SNAPSHOT=<id|latest> [WORKSPACE=N] [DRY_RUN=1]'; exit 2; }
	@$(LOCAL_ENV) node services/fleetctl/dist/src/bin.js restore "$(SNAPSHOT)" $(if $(WORKSPACE),--workspace $(WORKSPACE)) $(if $(DRY_RUN),--dry-run)

dr-drill: build ## DR drill on the running local fleet: delete every workspace dir, restore latest, time until all connected
	@$(LOCAL_ENV) node loadtest/dist/src/bench/dr-drill.js $(if $(YES),--yes)

bench-dr: build ## Snapshot/restore of 3,000 sessions' auth state + full drill with real paired sessions (docs/benchmarks.md)
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/dr.js

prometheus: ## Prometheus on :9090 scraping the `make run` fleet (ports 3000-3002, 3100, 3005) with the alert rules
	@scripts/ensure-debian-package.sh prometheus prometheus --no-install-recommends
	@mkdir -p .data/prometheus
	@echo "Prometheus on http://127.0.0.1:9090 (targets: /targets, alerts: /alerts); Ctrl-C stops it"
	@prometheus --config.file=deploy/prometheus/prometheus.yml --storage.tsdb.path=.data/prometheus \
	  --web.listen-address=127.0.0.1:$${PROMETHEUS_PORT:-9090} --web.enable-lifecycle

deploy-systemd: build ## Verify the systemd units (NFS mount, one worker unit per instance); APPLY=1 installs them
	@deploy/scripts/deploy.sh systemd

deploy-compose: build ## Validate deploy/docker-compose.yml (docker compose config when Docker exists); APPLY=1 starts it
	@deploy/scripts/deploy.sh compose

deploy-k8s: build ## Validate deploy/k8s (server dry-run when a cluster answers); APPLY=1 applies it
	@deploy/scripts/deploy.sh k8s

clean: ## Remove build output
	@npx tsc -b --clean
	@rm -rf services/console/dist
