# Fleet: every command a developer or operator needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
TEST_REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help deps build typecheck lint test run bench-ingress clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

deps: ## Install npm dependencies when missing or stale
	@scripts/ensure-node-deps.sh

build: deps ## Compile every package (tsc -b)
	@npx tsc -b

typecheck: deps ## Type-check everything, tests included
	@npx tsc -b --force --verbose false

lint: deps ## ESLint over all TypeScript
	@npx eslint .

test: build ## Install what is missing, start Redis if none answers, run every test
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  TEST_REDIS_URL=$$url node scripts/run-tests.js

run: build ## Start Redis, the simulator, the ingress and two workers; print how to use them
	@node scripts/run-local.js

bench-ingress: build ## autocannon against POST /api/messages/send with two workers up
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/ingress.js

bench-failover: build ## kill -9 and drain of a worker with 500 sessions; moved fraction on joins
	@url=$$(scripts/ensure-redis.sh "$(TEST_REDIS_URL)" .data/redis-test 6391) && \
	  REDIS_URL=$$url node loadtest/dist/src/bench/failover.js

clean: ## Remove build output
	@npx tsc -b --clean
