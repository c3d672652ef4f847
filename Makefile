# Set-up is part of every entry point: `make run` and `make test` install what is missing.
# apt packages are installed when run as root (or with sudo); Python dependencies go into a
# virtual environment pinned by requirements.lock.

VENV        ?= .venv
PYTHON      ?= python3
PIP         := $(VENV)/bin/pip
APT_PACKAGES := espeak-ng libespeak-ng1 libportaudio2 pulseaudio pulseaudio-utils \
                libasound2-plugins graphviz sox flite chromium chromium-driver \
                festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
STAMP       := $(VENV)/.installed
# Three pytest-xdist workers on a 2-core machine: the real-time audio tests mostly wait on the
# clock while the others decode and check. Each worker starts its own PulseAudio server (the
# session fixture in tests/conftest.py), so two audio tests may run at once, each on its own.
# (--dist loadgroup with xdist_group marks would keep them on one worker, but pytest 9.2.0 ignores
# the groups: pytest-xdist issue #1386.) `make test PYTEST_WORKERS=` runs everything in one process.
PYTEST_WORKERS ?= -n 3 --dist load

.PHONY: run test setup apt venv lint bench lock clean

run: setup
	$(VENV)/bin/voiceskill run $(ARGS)

test: setup
	@$(VENV)/bin/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

setup: apt venv

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; \
	  else echo "missing apt packages:$$missing (run as root to install them)" >&2; exit 1; fi; \
	  echo "installing apt packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements.lock
	$(PIP) install -q --no-deps -e .
	touch $(STAMP)

lint: venv
	$(VENV)/bin/ruff check voiceskill tests bench

bench: setup
	for b in bench/*.py; do $(VENV)/bin/python $$b || exit 1; done

# Re-pin every Python dependency (runtime, tests, model build and bench) after changing pyproject.
lock:
	$(PIP) install -q -e '.[dev,kiosk-test,model-build,model-bench]'
	$(PIP) freeze --exclude-editable | grep -v '^#' > requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info
