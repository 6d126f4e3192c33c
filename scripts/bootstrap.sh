#!/usr/bin/env bash
# Set up what LeadHub needs to run and test, doing only what is missing, so that a fresh
# machine needs no hand-installed tools and a second run takes a second.
#
#   scripts/bootstrap.sh            virtualenv (.venv), Python packages, bun (.tools)
#   scripts/bootstrap.sh --browser  the same, plus Debian's chromium for the e2e tests
#
# PYTHON=/path/to/python picks the interpreter for a new virtualenv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
TOOLS=$ROOT/.tools
STAMP=$VENV/.leadhub-installed
# Reflex 0.10.1 needs bun >= 1.4.4; this is the version the project is tested with.
BUN_VERSION=1.4.5
CHROMIUM=/usr/bin/chromium

want_browser=0
for arg in "$@"; do
    case $arg in
        --browser) want_browser=1 ;;
        *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
    esac
done

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

# Two set-ups at once (make run beside make test) must not pip-install into one venv together.
mkdir -p "$TOOLS"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$TOOLS/.bootstrap.lock"
    flock 9
fi

# Prints the minor version of interpreter $1 if it runs and is Python 3, else fails.
# pyenv shims exist for every installed version but fail for those not selected, so
# every candidate is run, not just looked up.
python_minor() {
    "$1" -c 'import sys; assert sys.version_info[0] == 3; print(sys.version_info[1])' 2>/dev/null
}

# Prints the real path of the best interpreter: 3.12, then 3.13, then python3 >= 3.11.
find_python() {
    local candidate minor
    if [[ -n ${PYTHON:-} ]]; then
        minor=$(python_minor "$PYTHON") && ((minor >= 11)) || die "PYTHON=$PYTHON is not Python >= 3.11"
        "$PYTHON" -c 'import sys; print(sys.executable)'
        return
    fi
    local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
    for candidate in python3.12 python3.13 \
        "$pyenv_root"/versions/3.12*/bin/python3 "$pyenv_root"/versions/3.13*/bin/python3 \
        /root/.pyenv/versions/3.12*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3 \
        python3 python3.11; do
        minor=$(python_minor "$candidate") || continue
        ((minor >= 12)) || continue
        "$candidate" -c 'import sys; print(sys.executable)'
        return
    done
    for candidate in python3 python3.11; do
        minor=$(python_minor "$candidate") || continue
        ((minor >= 11)) || continue
        log "no Python >= 3.12 found; using $candidate (3.$minor): add-ons that need 3.12 will not install"
        "$candidate" -c 'import sys; print(sys.executable)'
        return
    done
    return 1
}

ensure_venv() {
    local python best current="" best_minor
    python=$(find_python) || die "no Python >= 3.11 found (looked for python3.12, python3.13, pyenv versions, python3)"
    best_minor=$(python_minor "$python")
    if [[ -x $VENV/bin/python ]]; then
        current=$(python_minor "$VENV/bin/python") || current=""
    fi
    # Keep a working venv unless it is older than what this machine can offer.
    if [[ -n $current ]] && ((current >= 11)) && { ((current >= 12)) || ((best_minor < 12)); }; then
        return
    fi
    if [[ -e $VENV ]]; then
        log "replacing .venv (Python 3.${current:-?}) with one on $python"
        rm -rf "$VENV"
    else
        log "creating .venv with $python"
    fi
    "$python" -m venv "$VENV" || die "could not create a virtualenv with $python (on Debian: apt-get install python3-venv)"
}

ensure_python_packages() {
    local wanted
    wanted="$("$VENV/bin/python" -c 'import sys; print(sys.version)' | head -1) $(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -f $STAMP && $(cat "$STAMP") == "$wanted" ]]; then
        return
    fi
    log "installing LeadHub and its test tools into .venv (new venv, or pyproject.toml changed)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet --editable ".[test]"
    printf '%s\n' "$wanted" >"$STAMP"
}

ensure_bun() {
    local bun=$TOOLS/node_modules/.bin/bun
    if [[ -x $bun ]] && [[ $("$bun" --version 2>/dev/null) == "$BUN_VERSION" ]]; then
        return
    fi
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch bun from the npm registry (apt-get install npm)"
    log "installing bun $BUN_VERSION into .tools from the npm registry"
    [[ -f $TOOLS/package.json ]] || printf '{"private": true}\n' >"$TOOLS/package.json"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "bun@$BUN_VERSION" </dev/null
    [[ $("$bun" --version 2>/dev/null) == "$BUN_VERSION" ]] || die "bun from npm does not run on this machine ($bun)"
}

as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        die "$CHROMIUM is missing and installing it needs root: apt-get install -y chromium chromium-driver"
    fi
}

ensure_chromium() {
    if [[ -x $CHROMIUM ]]; then
        return
    fi
    command -v apt-get >/dev/null 2>&1 || die "$CHROMIUM is missing and this is not a Debian-like system: install Chromium there"
    log "installing chromium and chromium-driver with apt-get"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver </dev/null
    [[ -x $CHROMIUM ]] || die "apt-get installed chromium but $CHROMIUM is still missing"
}

ensure_venv
ensure_python_packages
ensure_bun
if ((want_browser)); then
    ensure_chromium
fi
