#!/usr/bin/env bash
# Installs what the test suites need beyond the Rust toolchain. Idempotent, and quick
# when everything is already there: run it before the tests on any new machine.
#
#   scripts/install-test-deps.sh
#
# Sections, in order:
#   1. Debian packages (apt-get, as root or with sudo): Chromium for the browser tests,
#      dcmtk and Orthanc for the DICOM gateway's tests and benchmark, poppler-utils
#      (pdftotext) for the letters crate's PDF tests,
#      PostgreSQL for the tests that run against both databases (scripts/with-postgres.sh),
#      Node.js/npm and Python's venv module if missing.
#   2. Python tools in .venv (requirements-test.txt): oidc-provider-mock, the OpenID
#      Connect provider that crates/web/tests/oidc.rs signs in through; pydicom, numpy
#      and pynetdicom for the DICOM gateway's tests; fhir.resources, the FHIR validator of
#      the GP result messages (scripts/fhir/validate.py); mesh-sandbox, the local MESH server
#      that crates/mesh/tests/sandbox.rs sends and receives through.
#   3. npm packages (package-lock.json) into node_modules.
#   4. Front-end assets copied into crates/web/static/vendor.
#
# SKIP_APT=1 skips section 1 (for machines where the packages come from elsewhere).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'install-test-deps: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root (or sudo) to run: $*"
        return 1
    fi
}

# --- 1. Debian packages ---------------------------------------------------------------

APT_PACKAGES=()

# Browser tests (Playwright drives the system Chromium).
if [ ! -x /usr/bin/chromium ]; then
    APT_PACKAGES+=(chromium)
fi

# PostgreSQL server tools (initdb, pg_ctl) for scripts/with-postgres.sh's throwaway cluster.
have_postgres_server() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            return 0
        fi
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}
if ! have_postgres_server; then
    APT_PACKAGES+=(postgresql)
fi

# DICOM peers for the gateway's integration tests and benchmark: dcmtk (echoscu, findscu,
# storescu, dcmcjpeg, dcmodify) and Orthanc (the benchmark's yardstick).
if ! command -v storescu >/dev/null 2>&1 || ! command -v dcmcjpeg >/dev/null 2>&1; then
    APT_PACKAGES+=(dcmtk)
fi
if ! command -v Orthanc >/dev/null 2>&1; then
    APT_PACKAGES+=(orthanc)
fi

# A real PDF reader for the participant letters' tests (crates/letters/tests): pdftotext.
if ! command -v pdftotext >/dev/null 2>&1; then
    APT_PACKAGES+=(poppler-utils)
fi

# Node.js and npm for the assets and the browser tests.
if ! command -v node >/dev/null 2>&1; then
    APT_PACKAGES+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
    APT_PACKAGES+=(npm)
fi

# Python 3 with its venv module (Debian ships venv separately).
if ! command -v python3 >/dev/null 2>&1; then
    APT_PACKAGES+=(python3 python3-venv)
elif [ ! -x .venv/bin/python ] && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
fi

if [ "${#APT_PACKAGES[@]}" -gt 0 ]; then
    if [ "${SKIP_APT:-0}" = 1 ]; then
        log "SKIP_APT=1: not installing ${APT_PACKAGES[*]}"
    else
        log "installing Debian packages: ${APT_PACKAGES[*]}"
        export DEBIAN_FRONTEND=noninteractive
        # Wait for another apt-get (another script, another engineer) rather than fail.
        as_root apt-get -o DPkg::Lock::Timeout=600 update -q >&2
        as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q "${APT_PACKAGES[@]}" >&2
    fi
fi

# --- 2. Python tools (.venv) ------------------------------------------------------------

VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/requirements-test.txt"
# A copy of the requirements last installed: pip runs again only when they change.
STAMP="$VENV/.requirements-test.installed"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating the Python virtual environment in .venv"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi
if ! cmp -s "$REQUIREMENTS" "$STAMP"; then
    log "installing requirements-test.txt into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS" >&2
    cp "$REQUIREMENTS" "$STAMP"
fi

# --- 3. npm packages (node_modules) ---------------------------------------------------

if [ ! -d node_modules/nhsuk-frontend ] || [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund >&2
fi

# --- 4. Front-end assets (crates/web/static/vendor) -----------------------------------

if [ ! -f crates/web/static/vendor/nhsuk-frontend.min.css ]; then
    log "building the front-end assets"
    node scripts/build-assets.mjs >&2
fi

log "test dependencies are installed"
