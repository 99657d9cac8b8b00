# Builds and installs prefect-secrets like a system library.
#
#   make                                 build what gets installed (as yourself: needs cargo)
#   sudo make install PREFIX=/usr/local  install it (never builds, so root needs no cargo):
#                                        bin/prefect-secrets, lib/libprefect_secrets.so.<version>
#                                        with its SONAME links, lib/libprefect_secrets.a,
#                                        include/prefect_secrets.h, lib/pkgconfig/prefect_secrets.pc,
#                                        lib/cmake/prefect_secrets/; runs ldconfig when needed
#   sudo make uninstall PREFIX=/usr/local
#   make test                            every test (scripts/test-all)
#
# Also DESTDIR (staged installs), BINDIR/LIBDIR/INCLUDEDIR/PKGCONFIGDIR/CMAKEDIR overrides,
# LDCONFIG=auto|yes|no. PROFILE picks the cargo profile (default dist: LTO, as released;
# release builds faster). The layout is scripts/install-tree's, which scripts/dist also
# uses (through `make install BUILD=... TARGET=...`) for the release archives.

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR     ?= $(LIBDIR)/cmake/prefect_secrets
LDCONFIG     ?= auto
CARGO        ?= cargo
PROFILE      ?= dist
# cargo's own output for the profile (every build has the SONAME, see build.rs), so `make`
# after `cargo build --release` or scripts/dist finds it built (the dev profile's is debug).
BUILD        ?= target/$(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
TARGET       ?=

# Documentation and the pkg-config file's rpath (exported to scripts/install-tree, which
# says more): DOCDIR gets LICENSE, THIRD-PARTY-NOTICES, README.md, CHANGELOG.md and docs/;
# PC_RPATH=auto puts -Wl,-rpath,<LIBDIR> in prefect_secrets.pc's Libs unless LIBDIR is a
# system library directory, PC_RPATH=no never.
DOCDIR       ?= $(PREFIX)/share/doc/prefect-secrets
PC_RPATH     ?= auto
export DOCDIR PC_RPATH

# The manual pages and shell completions (scripts/install-tree), passed to it through the
# environment.
MANDIR       ?= $(PREFIX)/share/man
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR  ?= $(PREFIX)/share/fish/vendor_completions.d
export MANDIR BASHCOMPDIR ZSHCOMPDIR FISHCOMPDIR

.PHONY: all install uninstall test

all:
	$(CARGO) build --profile $(PROFILE) --lib --bin prefect-secrets

install:
	BUILD='$(BUILD)' TARGET='$(TARGET)' DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' \
	BINDIR='$(BINDIR)' LIBDIR='$(LIBDIR)' INCLUDEDIR='$(INCLUDEDIR)' \
	PKGCONFIGDIR='$(PKGCONFIGDIR)' CMAKEDIR='$(CMAKEDIR)' LDCONFIG='$(LDCONFIG)' \
	    scripts/install-tree install

uninstall:
	TARGET='$(TARGET)' DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' BINDIR='$(BINDIR)' \
	LIBDIR='$(LIBDIR)' INCLUDEDIR='$(INCLUDEDIR)' PKGCONFIGDIR='$(PKGCONFIGDIR)' \
	CMAKEDIR='$(CMAKEDIR)' LDCONFIG='$(LDCONFIG)' scripts/install-tree uninstall

test:
	scripts/test-all
