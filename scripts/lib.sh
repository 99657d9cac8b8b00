# shellcheck shell=bash
# What the scripts in scripts/ share, written once. Sourced (never run) by each of them,
# first thing after `set`, from wherever the script is run:
#
#   # shellcheck source=SCRIPTDIR/lib.sh
#   . "$(dirname "$0")/lib.sh"
#
# Sourcing it only defines ROOT, START and the functions below: it prints nothing, changes
# no directory and no shell option (scripts differ: some run with -e, some without), and
# needs nothing but coreutils. The functions return non-zero rather than exit, so each
# script decides what a failure does (exit, or record it and go on).

# The repository's root (absolute), and when the script started (for `stage` and totals).
# shellcheck disable=SC2034 # used by the scripts that source this file
ROOT=$(CDPATH='' cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034
START=$(date +%s)

# ---- output ----------------------------------------------------------------------------
# stage TEXT...: a stage's heading, "==> TEXT" after a blank line; after time_stages,
# "==> [Ns] TEXT" with N the seconds since the script started. (Functions, not variables
# the script sets, so that shellcheck without -x sees nothing unused.)
stage_times=false
time_stages() { stage_times=true; }
stage() {
  if $stage_times; then
    printf '\n==> [%ss] %s\n' $(($(date +%s) - START)) "$*"
  else
    printf '\n==> %s\n' "$*"
  fi
}

# fail WHAT [DETAIL...]: prints "!!! FAILED: WHAT DETAIL..." and adds WHAT to the script's
# `failed` array (prefixed "CONTEXT: " after failing_in CONTEXT). The script declares
# failed=() and reports it at the end.
fail_context=
failing_in() { fail_context=$1; }
fail() { printf '!!! FAILED: %s\n' "$*"; failed+=("${fail_context:+$fail_context: }$1"); }

# ok WHAT: prints "  ok: WHAT".
ok() { printf '  ok: %s\n' "$*"; }

# check WHAT COMMAND...: runs COMMAND; ok WHAT, or its output and fail WHAT.
check() {
  local what=$1 log
  shift
  log=$(mktemp)
  if "$@" >"$log" 2>&1; then ok "$what"; else cat "$log"; fail "$what"; fi
  rm -f "$log"
}

# skip WHAT [DETAIL...]: prints "!!! SKIPPED: WHAT DETAIL..." and adds WHAT to the script's
# `skipped` array.
skip() { printf '!!! SKIPPED: %s\n' "$*"; skipped+=("$1"); }

# have COMMAND: COMMAND is on PATH (a program, or anything `command -v` finds).
have() { command -v "$1" >/dev/null 2>&1; }

# ---- the crate and its release -----------------------------------------------------------
# crate_version: the package version in Cargo.toml (the first `version = "..."` line, the
# [package] one); fails, saying so, when there is none.
crate_version() {
  local v
  v=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n1)
  [ -n "$v" ] || { echo "no version = \"...\" line in $ROOT/Cargo.toml" >&2; return 1; }
  echo "$v"
}

# release_targets: the Rust targets a release has an archive for (scripts/dist builds
# them, scripts/dist-check proves them), space-separated.
release_targets() {
  echo "x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl x86_64-pc-windows-gnu"
}

# header_sha256: the SHA-256 of include/prefect_secrets.h. The Go package compiles against
# that header, which go's build cache does not see (golang/go#24355): passed in
# CGO_CPPFLAGS (part of the cache key), it makes go rebuild the package when it changes.
header_sha256() { sha256sum "$ROOT/include/prefect_secrets.h" | cut -c1-64; }

# glibc_floor: the oldest glibc the release's glibc binaries run on (scripts/dist links
# against it with cargo-zigbuild; scripts/dist-check fails on any newer symbol version).
glibc_floor() { echo 2.17; }

# zig_tools: puts cargo-zigbuild and zig (pinned, from PyPI, in target/zig-venv; made on
# first use, ready once its marker holds the pins) first on PATH.
zig_tools() {
  local venv=$ROOT/target/zig-venv pins="ziglang==0.17.1 cargo-zigbuild==0.24.1"
  if [ "$(cat "$venv/.ready" 2>/dev/null)" != "$pins" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" || return 1
    # shellcheck disable=SC2086 # the pins are words
    "$venv/bin/pip" install --quiet --disable-pip-version-check $pins || return 1
    echo "$pins" >"$venv/.ready"
  fi
  PATH=$venv/bin:$PATH
}

# deb_arch TARGET: the Debian architecture of a glibc Rust target (amd64, arm64); fails
# for a target with no Debian package.
deb_arch() {
  case $1 in
    x86_64-unknown-linux-gnu) echo amd64 ;;
    aarch64-unknown-linux-gnu) echo arm64 ;;
    *) echo "no Debian architecture for $1" >&2; return 1 ;;
  esac
}

# ---- ELF checks --------------------------------------------------------------------------
# has_soname FILE [TAG]: FILE's dynamic section names libprefect_secrets.so.MAJOR (MAJOR
# from Cargo.toml's version) with TAG: SONAME (the default: FILE is the library) or NEEDED
# (FILE links the library by its SONAME).
has_soname() {
  local major
  major=$(crate_version) || return 1
  major=${major%%.*}
  # (grep reads everything: with -q it could exit first, and pipefail fail the pipe.)
  readelf -d "$1" | grep "${2:-SONAME}.*\[libprefect_secrets.so.$major\]" >/dev/null
}

# glibc_needed FILE: the newest GLIBC_ symbol version FILE needs (nothing when none;
# readelf reads any architecture's ELF).
glibc_needed() {
  readelf -V -W "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n1
}

# no_dynamic FILE: FILE is fully static (no NEEDED library, no program interpreter).
no_dynamic() {
  ! readelf -d "$1" 2>/dev/null | grep NEEDED >/dev/null && ! readelf -l "$1" | grep INTERP >/dev/null
}

# ---- Windows under wine ----------------------------------------------------------------------
# wine_prefix DIR: exports the wine settings every script runs Windows programs with (the
# prefix DIR, 64-bit, headless, quiet but for DLLs that cannot be loaded, no Mono or Gecko
# installers) and makes the prefix when DIR has no system.reg yet (wineboot, at most 5
# minutes). Fails, with wineboot's last lines, when wineboot does. Stop the prefix's
# wine processes with wine_stop (scripts put it in their EXIT trap).
wine_prefix() {
  local log
  export WINEPREFIX=$1
  export WINEDEBUG=-all,err+module WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
  unset DISPLAY WAYLAND_DISPLAY
  [ ! -f "$WINEPREFIX/system.reg" ] || return 0
  mkdir -p "$WINEPREFIX" || return 1
  log=$(mktemp) || return 1
  if timeout 300 wineboot -i >"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  tail -20 "$log"
  rm -f "$log"
  echo "wineboot failed (WINEPREFIX=$WINEPREFIX)" >&2
  return 1
}

# wine_stop: stops the wine processes of the current WINEPREFIX (none: fine).
wine_stop() { wineserver -k >/dev/null 2>&1 || true; }

# standin_dll DIR: the test-only bcryptprimitives.dll stand-in in DIR, built from
# tests/windows/ (-Wall -Wextra -Werror) unless DIR's copy is newer than its sources, and
# checked to export ProcessPrng. wine 8 (Debian 12) has no bcryptprimitives.dll, whose
# ProcessPrng Rust's standard library imports: without it every Rust program, and every
# program loading a Rust DLL, exits with status 53 and prints nothing. It goes beside test
# programs only and must never ship (scripts/dist and scripts/windows-test check).
standin_dll() {
  local dll=$1/bcryptprimitives.dll src=$ROOT/tests/windows/bcryptprimitives
  if [ ! -f "$dll" ] || [ "$src.c" -nt "$dll" ] || [ "$src.def" -nt "$dll" ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -Werror -o "$dll" "$src.c" "$src.def" \
      -ladvapi32 || return 1
  fi
  x86_64-w64-mingw32-objdump -p "$dll" | grep '\] ProcessPrng$' >/dev/null ||
    { echo "$dll does not export ProcessPrng" >&2; return 1; }
}
