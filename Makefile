# E-Key Assistant: `make run` to chat, `make test` to check everything. Both set up from scratch.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python 3.10, found the way a user's machine has one: PYTHON=..., python3.10 on PATH, pyenv.
PYTHON ?= $(shell for c in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	[ -x "$$(command -v $$c 2>/dev/null)" ] && "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { command -v $$c; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
KB := var/.knowledge-built
MODEL := rasa_project/models/ekey.tar.gz
# Debian's chromium, which Playwright drives in the widget's browser tests (tests/webapp).
BROWSER := /usr/bin/chromium
# Fonts for Chinese and emoji, without which the screenshots show empty boxes.
FONTS := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
# PostgreSQL, Redis and nginx, which the tests start on loopback themselves (tests/services.py).
SERVICES := /usr/bin/redis-server /usr/sbin/nginx /usr/lib/postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# jieba's user dictionary is the only part of the knowledge base inside the model: it is
# rewritten only when the terms change, so fixing a phone number does not retrain.
USERDICT := var/jieba_userdict/terms.txt
KNOWLEDGE_FILES := $(shell find knowledge -name '*.yaml' -o -name '*.py' | grep -v __pycache__)
TRAINING_FILES := $(shell find rasa_project/data rasa_project/components -type f -not -path '*__pycache__*') \
	rasa_project/config.yml rasa_project/domain.yml

export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup kb train run test test-fast test-stack lint bench eval eval-seeds clean browser services review-export

help:
	@echo "make run    set up, build the knowledge base, train if needed, start the assistant"
	@echo "make test   set up and run every test: lint, then test-fast, then test-stack"
	@echo "make test-fast   the tests that need no model and no service (setup + kb only)"
	@echo "make eval   the public sample and dev sets against the bot (started if none runs)"
	@echo "make eval-seeds  three trainings on differently thinned data, each on the dev set"
	@echo "make train  retrain the model now;  make lint (ruff);  make bench;  make clean"
	@echo "make review-export  labelled review-inbox groups as NLU YAML under var/review/"

$(INSTALLED): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.10 not found: install it, or run make PYTHON=/path/to/python3.10" >&2; exit 1; fi
	@echo "using $(PYTHON)"
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(INSTALLED)

$(KB): $(INSTALLED) $(KNOWLEDGE_FILES)
	$(PY) -m knowledge build
	touch $@

$(USERDICT): $(KB) ;

kb: $(KB)

$(MODEL): $(USERDICT) $(TRAINING_FILES)
	@mkdir -p var/reports
	start=$$(date +%s); \
	$(VENV)/bin/rasa train --config rasa_project/config.yml --domain rasa_project/domain.yml \
		--data rasa_project/data --out rasa_project/models --fixed-model-name ekey --force && \
	echo $$(( $$(date +%s) - start )) > var/reports/train_seconds
	touch $@

train:
	rm -f $(MODEL)
	$(MAKE) $(MODEL)

run: $(KB) $(MODEL)
	$(PY) -m runtime.serve

# Two tiers (tests/conftest.py marks them): `stack` needs the model or a service, the rest is
# the fast tier. `make test` runs lint, then the fast tier, then the stack tier, each only if
# the one before passed. TESTS narrows both tiers (make test-fast TESTS=tests/knowledge);
# pytest exits 5 when it collects nothing, which passes only when TESTS left a tier empty:
# without TESTS an empty tier means the marking broke.
TESTS ?=
define pytest_tier
$(PY) -m pytest -m "$(1)" $(TESTS) || { rc=$$?; \
	if [ $$rc = 5 ] && [ -n "$(TESTS)" ]; then echo "no $(2) tests in $(TESTS)"; else exit $$rc; fi; }
endef

test: test-fast
	$(MAKE) --no-print-directory test-stack

test-fast: lint $(KB)
	$(call pytest_tier,not stack,fast)

test-stack: $(KB) $(MODEL) $(BROWSER) $(FONTS) $(SERVICES)
	$(call pytest_tier,stack,stack)

# Installed only when missing; as root here, with sudo on a developer's machine.
$(BROWSER):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

$(FONTS):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-wqy-microhei fonts-noto-color-emoji

browser: $(BROWSER) $(FONTS)

$(SERVICES):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql redis-server nginx
	# only the binaries are wanted: the tests start their own servers on free ports
	-$(SUDO) service redis-server stop >/dev/null 2>&1; $(SUDO) service nginx stop >/dev/null 2>&1

services: $(SERVICES)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .

bench: $(KB) $(MODEL) $(SERVICES)
	$(PY) -m tests.bench

# Labelled review-inbox groups as NLU YAML under var/review/ (docs/review-inbox.md).
review-export: $(INSTALLED)
	$(PY) -m review export

eval: $(KB) $(MODEL)
	$(PY) -m tests.eval_sets

# Three trainings, each leaving out a different seeded 10 % of the NLU lines, on the dev set.
eval-seeds: $(KB) $(USERDICT)
	$(PY) -m tests.seed_trainings

clean:
	rm -rf var rasa_project/models .pytest_cache
