# Installs prefect-secrets like a system library.
#
#   make                                 build the release library to install (with SONAME)
#   make install PREFIX=/usr/local       library (with SONAME links), static library,
#                                        header and pkg-config file under PREFIX
#   make uninstall PREFIX=/usr/local
#
# Also DESTDIR (staged installs) and LIBDIR/INCLUDEDIR/PKGCONFIGDIR overrides.

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CARGO        ?= cargo
INSTALL      ?= install

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
# The installed library is built on its own, with its SONAME (see build.rs).
BUILD   := target/install/release
SONAME  := libprefect_secrets.so.$(MAJOR)
REALLIB := libprefect_secrets.so.$(VERSION)
# What linking the static library needs besides it (from rustc --print native-static-libs).
PRIVATE_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: all install uninstall

all:
	PREFECT_SECRETS_SONAME=1 $(CARGO) build --release --target-dir target/install

install: all
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 755 $(BUILD)/libprefect_secrets.so $(DESTDIR)$(LIBDIR)/$(REALLIB)
	ln -sf $(REALLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libprefect_secrets.so
	$(INSTALL) -m 644 $(BUILD)/libprefect_secrets.a $(DESTDIR)$(LIBDIR)/libprefect_secrets.a
	$(INSTALL) -m 644 include/prefect_secrets.h $(DESTDIR)$(INCLUDEDIR)/prefect_secrets.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@PRIVATE_LIBS@|$(PRIVATE_LIBS)|' \
	    prefect_secrets.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/prefect_secrets.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libprefect_secrets.so $(DESTDIR)$(LIBDIR)/libprefect_secrets.a \
	      $(DESTDIR)$(INCLUDEDIR)/prefect_secrets.h $(DESTDIR)$(PKGCONFIGDIR)/prefect_secrets.pc
