# `make run` and `make test` set everything up on a fresh machine (a .venv here) and then run.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?= kinora-data
PROMPT ?= three red rubber balls bounce on a wooden floor, then cut to a close-up of the first ball

.PHONY: run demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: a bare requirement elsewhere would pull several GB of CUDA wheels.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	# cameo voice embeddings use only resemblyzer's weights (pretrained.pt): --no-deps skips librosa and webrtcvad
	$(PY) -m pip install --quiet --no-deps resemblyzer==0.1.4
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/kinora serve

demo: $(STAMP)
	mkdir -p $(DATA)
	$(VENV)/bin/kinora generate "$(PROMPT)" -o $(DATA)/demo.mp4 --seconds 8 --seed 7

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check kinora tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/world.py
	$(PY) benchmarks/api.py
	$(PY) benchmarks/feed.py --quick
	$(PY) -m pip install --quiet -e '.[bench]' && $(PY) -m pip install --quiet --no-deps invisible-watermark==0.2.0
	$(PY) benchmarks/watermark.py --quick
	$(PY) benchmarks/fingerprint.py --quick
	$(PY) benchmarks/moderation.py --quick
	$(PY) benchmarks/frames.py --quick
	$(PY) benchmarks/cameo.py --quick
	$(PY) benchmarks/engines.py --quick

clean:
	rm -rf $(VENV) $(DATA)
