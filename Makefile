# SPDX-License-Identifier: MIT
# imapctl: a command-line IMAP client.
#
# CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS, PREFIX and DESTDIR are yours; the
# flags the build needs live in variables of their own, so packagers'
# hardening flags survive. SANITIZE=1 builds with ASan and UBSan into
# imapctl-san (objects apart), and "make check SANITIZE=1" tests that build.

# The one place the version is set: imapctl --version prints it, and
# debian/changelog's top entry must name it (tests/make.bats checks).
VERSION = 0.1.0

PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
datarootdir ?= $(prefix)/share
mandir ?= $(datarootdir)/man
man1dir ?= $(mandir)/man1
man5dir ?= $(mandir)/man5
bashcompdir ?= $(datarootdir)/bash-completion/completions
zshcompdir ?= $(datarootdir)/zsh/vendor-completions
fishcompdir ?= $(datarootdir)/fish/vendor_completions.d
pkgdatadir ?= $(datarootdir)/imapctl

CFLAGS ?= -g -O2
PKG_CONFIG ?= pkg-config
INSTALL ?= install
INSTALL_PROGRAM ?= $(INSTALL) -m 755
INSTALL_DATA ?= $(INSTALL) -m 644

PKGS = openssl libxml-2.0 jansson zlib
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 \
	-Wno-format-nonliteral

# float-cast-overflow: not part of gcc's "undefined" (it is of clang's): a
# double from server data cast to an integer must be caught by both.
ifeq ($(SANITIZE),1)
OBJDIR = obj-san
BIN = imapctl-san
SAN = -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined,float-cast-overflow \
	-fno-sanitize-recover=all
else ifeq ($(COVERAGE),1)
OBJDIR = obj-cov
BIN = imapctl-cov
SAN = -O0 -g --coverage
else
OBJDIR = obj
BIN = imapctl
SAN =
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

BASE_CPPFLAGS = -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS)
# lib/ sees only lib/: the commands build on the core, never the other way.
LIB_CPPFLAGS = -Ilib $(BASE_CPPFLAGS)
ALL_CPPFLAGS = -Ilib -Icmd $(BASE_CPPFLAGS)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SAN)
ALL_LDFLAGS = $(LDFLAGS) $(SAN)
ALL_LDLIBS = $(PKG_LIBS) $(LDLIBS)

LIB_SRC = $(sort $(wildcard lib/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test-*.c))
COMPLETIONS = completions/imapctl.bash completions/_imapctl \
	completions/imapctl.fish
MANPAGES = $(sort $(wildcard man/*.1 man/*.5))
# The monitoring kit, installed in pkgdatadir: its paths of the binary and
# of the kit itself follow bindir and pkgdatadir.
MONITORING_DATA = monitoring/imapctl.rules.yml monitoring/imapctl-grafana.json \
	monitoring/imapctl-textfile@.timer
MONITORING_PATHS = monitoring/imapctl-textfile@.service \
	monitoring/nagios-imapctl.cfg monitoring/icinga2-imapctl.conf
MONITORING_BIN = monitoring/imapctl-textfile

LIB_OBJ = $(LIB_SRC:%.c=$(OBJDIR)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(OBJDIR)/%.o) $(OBJDIR)/completions.o
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(OBJDIR)/unit/%)

all: $(BIN)

$(BIN): $(CMD_OBJ) $(OBJDIR)/libimapctl.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) \
		$(OBJDIR)/libimapctl.a $(ALL_LDLIBS)

$(OBJDIR)/libimapctl.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(OBJDIR)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJDIR)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The completion scripts, embedded so "imapctl completion SHELL" prints them.
$(OBJDIR)/completions.c: $(COMPLETIONS) tests/embed.sh
	@mkdir -p $(@D)
	tests/embed.sh completion_bash completions/imapctl.bash > $@.tmp
	tests/embed.sh completion_zsh completions/_imapctl >> $@.tmp
	tests/embed.sh completion_fish completions/imapctl.fish >> $@.tmp
	mv $@.tmp $@

$(OBJDIR)/completions.o: $(OBJDIR)/completions.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(OBJDIR)/unit/%: tests/unit/%.c $(OBJDIR)/libimapctl.a tests/unit/t.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(OBJDIR)/libimapctl.a $(ALL_LDLIBS)

unit: $(UNIT_BIN)

# Installs the Debian packages the build and tests need when run as root,
# then builds and runs every test; the last line says "N passed, N failed".
check:
	@tests/install-deps
	@$(MAKE) --no-print-directory all unit
	IMAPCTL_BIN=$(CURDIR)/$(BIN) IMAPCTL_UNIT_DIR=$(CURDIR)/$(OBJDIR)/unit \
		tests/run

# Line coverage of lib/ and cmd/ by the whole suite: an instrumented build
# (gcc --coverage) in obj-cov, the tests against it, then gcovr's table a
# file (also in obj-cov/coverage.txt). The exit status is the tests'.
coverage:
	@tests/install-deps
	@$(MAKE) --no-print-directory COVERAGE=1 all unit
	find obj-cov -name '*.gcda' -delete
	IMAPCTL_BIN=$(CURDIR)/imapctl-cov \
		IMAPCTL_UNIT_DIR=$(CURDIR)/obj-cov/unit \
		TESTS_LOG=$(CURDIR)/obj-cov/run.log tests/run >/dev/null; \
		rc=$$?; tail -n 1 obj-cov/run.log; \
		gcovr --root . --object-directory obj-cov --exclude 'tests/' \
			--txt obj-cov/coverage.full.txt && \
		awk '/^(lib|cmd)\/|^TOTAL|^File/ { \
			printf "%-34s %6s %6s %6s\n", $$1, $$2, $$3, $$4; next } \
			{ print }' \
			obj-cov/coverage.full.txt | tee obj-cov/coverage.txt; \
		exit $$rc

# A tour of real commands against a throwaway local Dovecot.
demo:
	@tests/install-deps
	@$(MAKE) --no-print-directory all
	IMAPCTL_BIN=$(CURDIR)/$(BIN) tests/demo

# libFuzzer harnesses (tests/fuzz/fuzz-*.c), built with clang and ASan and
# UBSan into obj-fuzz; not part of "make check". "make fuzz-run" runs each
# for FUZZ_TIME seconds on its corpus in tests/fuzz/corpus/NAME (see
# tests/fuzz/README).
FUZZ_CC = clang
FUZZ_TIME = 60
FUZZ_SAN = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=obj-fuzz/%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=obj-fuzz/%.o)

obj-fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(LIB_CPPFLAGS) -std=c11 $(WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

obj-fuzz/libimapctl.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

obj-fuzz/fuzz-%: tests/fuzz/fuzz-%.c obj-fuzz/libimapctl.a
	$(FUZZ_CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer -o $@ $< obj-fuzz/libimapctl.a $(ALL_LDLIBS)

# fuzz-session runs the whole program: the commands, their main() renamed
# for the harness to call, and the library without lib/net.c, whose
# functions the harness provides over its input.
FUZZ_CMD_OBJ = $(CMD_SRC:%.c=obj-fuzz/%.o) obj-fuzz/completions.o
FUZZ_NONET_OBJ = $(filter-out obj-fuzz/lib/net.o,$(FUZZ_LIB_OBJ))

obj-fuzz/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

obj-fuzz/cmd/main.o: cmd/main.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) -Dmain=imapctl_main -std=c11 $(WARN) \
		-Wno-missing-prototypes $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

obj-fuzz/completions.o: $(OBJDIR)/completions.c
	$(FUZZ_CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

obj-fuzz/libimapctl-nonet.a: $(FUZZ_NONET_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_NONET_OBJ)

obj-fuzz/fuzz-session: tests/fuzz/fuzz-session.c $(FUZZ_CMD_OBJ) \
    obj-fuzz/libimapctl-nonet.a
	$(FUZZ_CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) $(FUZZ_SAN) \
		-fsanitize=fuzzer -o $@ $< $(FUZZ_CMD_OBJ) \
		obj-fuzz/libimapctl-nonet.a $(ALL_LDLIBS)

fuzz: $(FUZZ_BIN)

fuzz-run: fuzz
	@for f in $(FUZZ_BIN); do \
		n=$${f#obj-fuzz/}; \
		mkdir -p obj-fuzz/corpus/$$n; \
		echo "--- $$n for $(FUZZ_TIME) s"; \
		$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-close_fd_mask=2 -artifact_prefix=obj-fuzz/ \
			obj-fuzz/corpus/$$n \
			tests/fuzz/corpus/$$n || exit 1; \
	done

# A few networked suites with imapctl under Valgrind's memcheck
# (tests/valgrind-imapctl; tests/valgrind.supp says what is suppressed and
# why); VALGRIND_TESTS names others. A test may take ten times as long.
VALGRIND_TESTS = tests/inflight.bats tests/status.bats
valgrind: all
	IMAPCTL_VALGRIND_BIN=$(CURDIR)/$(BIN) \
		IMAPCTL_BIN=$(CURDIR)/tests/valgrind-imapctl \
		BATS_TEST_TIMEOUT=$${BATS_TEST_TIMEOUT:-900} tests/run \
		$(VALGRIND_TESTS)

lint-man:
	mandoc -T lint -W warning $(MANPAGES)

install: all
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) \
		$(DESTDIR)$(man5dir) $(DESTDIR)$(bashcompdir) \
		$(DESTDIR)$(zshcompdir) $(DESTDIR)$(fishcompdir) \
		$(DESTDIR)$(pkgdatadir)
	$(INSTALL_PROGRAM) $(BIN) $(DESTDIR)$(bindir)/imapctl
	for m in $(MANPAGES); do \
		case $$m in \
		*.1) $(INSTALL_DATA) $$m $(DESTDIR)$(man1dir)/ ;; \
		*.5) $(INSTALL_DATA) $$m $(DESTDIR)$(man5dir)/ ;; \
		esac; \
	done
	$(INSTALL_DATA) completions/imapctl.bash \
		$(DESTDIR)$(bashcompdir)/imapctl
	$(INSTALL_DATA) completions/_imapctl $(DESTDIR)$(zshcompdir)/_imapctl
	$(INSTALL_DATA) completions/imapctl.fish \
		$(DESTDIR)$(fishcompdir)/imapctl.fish
	$(INSTALL_DATA) $(MONITORING_DATA) $(DESTDIR)$(pkgdatadir)/
	$(INSTALL_PROGRAM) $(MONITORING_BIN) $(DESTDIR)$(pkgdatadir)/
	for f in $(MONITORING_PATHS); do \
		sed -e 's|/usr/share/imapctl|$(pkgdatadir)|g' \
			-e 's|/usr/bin/imapctl|$(bindir)/imapctl|g' $$f \
			>$(DESTDIR)$(pkgdatadir)/$${f#monitoring/}.tmp && \
		chmod 644 $(DESTDIR)$(pkgdatadir)/$${f#monitoring/}.tmp && \
		mv $(DESTDIR)$(pkgdatadir)/$${f#monitoring/}.tmp \
			$(DESTDIR)$(pkgdatadir)/$${f#monitoring/} || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(bindir)/imapctl \
		$(DESTDIR)$(bashcompdir)/imapctl \
		$(DESTDIR)$(zshcompdir)/_imapctl \
		$(DESTDIR)$(fishcompdir)/imapctl.fish
	for f in $(MONITORING_DATA) $(MONITORING_PATHS) $(MONITORING_BIN); do \
		rm -f $(DESTDIR)$(pkgdatadir)/$${f#monitoring/}; \
	done
	-rmdir $(DESTDIR)$(pkgdatadir) 2>/dev/null
	for m in $(MANPAGES); do \
		case $$m in \
		*.1) rm -f $(DESTDIR)$(man1dir)/$${m#man/} ;; \
		*.5) rm -f $(DESTDIR)$(man5dir)/$${m#man/} ;; \
		esac; \
	done

# The Debian package, built from a copy of the tracked files in obj-deb:
# obj-deb/imapctl_$(VERSION)_*.deb (dpkg-buildpackage needs debhelper).
deb:
	rm -rf obj-deb
	mkdir -p obj-deb/imapctl-$(VERSION)
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp -P --parents -t obj-deb/imapctl-$(VERSION)
	cd obj-deb/imapctl-$(VERSION) && dpkg-buildpackage -us -uc -b

version:
	@echo $(VERSION)

clean:
	rm -rf obj obj-san obj-fuzz obj-deb obj-cov imapctl imapctl-san \
		imapctl-cov

.PHONY: all unit check coverage demo fuzz fuzz-run valgrind lint-man \
	install uninstall deb version clean

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d) \
	$(FUZZ_CMD_OBJ:.o=.d)
