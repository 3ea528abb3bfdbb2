# The course's entry points. Each target does the set-up it needs, idempotently.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
COURSE := $(VENV)/bin/course
STAMP := $(VENV)/.installed

.PHONY: demo setup-system test test-unit test-engine class class-stop lab lab-instructor venv engine images doctor lint clean-engine stop-engine release bench

# The venv's pip install and the Debian packages + VM assets (system python3, standard library only)
# are independent: they run side by side.
demo:
	$(MAKE) --no-print-directory -j2 venv setup-system
	$(COURSE) demo

setup-system:
	python3 -m course.apps.setup

# Two tiers: the unit tier (no engine, no VM, no network; seconds) first, then the engine tier.
test: test-unit test-engine

test-unit: venv
	$(VENV)/bin/ruff check course tests benchmarks
	$(PY) -m pytest -q tests/unit $(PYTEST_ARGS)

test-engine: venv
	$(COURSE) setup
	$(PY) -m pytest -q tests/engine $(PYTEST_ARGS)

class: venv
	$(COURSE) setup
	$(COURSE) class start

class-stop: venv
	$(COURSE) class stop

# `make lab LANG=ko` (or a Korean locale, LANG=ko_KR.UTF-8) opens the Korean edition; the recipe's own
# LANG stays a locale the system has.
LAB_LANG := $(if $(filter ko%,$(LANG)),ko,en)
lab: venv
	$(if $(filter ko,$(LAB_LANG)),LANG=C.UTF-8 $(COURSE) release --lang ko >/dev/null &&,) LANG=C.UTF-8 $(COURSE) lab --lang $(LAB_LANG) $(LAB_ARGS)

lab-instructor: venv
	$(COURSE) lab --mode instructor $(LAB_ARGS)

# The venv is rebuilt only when requirements or the package metadata change.
venv: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

engine: venv
	$(COURSE) engine start

stop-engine: venv
	$(COURSE) engine stop

images: venv
	$(COURSE) images

doctor: venv
	$(COURSE) doctor

release: venv
	$(COURSE) release

lint: venv
	$(VENV)/bin/ruff check course tests benchmarks

bench: venv
	$(PY) benchmarks/vm_boot.py
	$(PY) benchmarks/autograde.py
	$(PY) benchmarks/guard.py
	$(PY) benchmarks/view_cost.py
	$(PY) benchmarks/queue.py
