# Makefile: the pgwire PostgreSQL extension (PGXS), and the entry point
# that builds lib/ (libpgwire) and tools/ (the pgwire command).
#
#   make                 libpgwire, the extension, the pgwire command
#   make install         the extension into the server (pg_config), plus
#                        the pgwire command and libpgwire under PREFIX
#   make installcheck    pg_regress suites (sql/, expected/); the replication
#                        suite needs wal_level = logical and
#                        max_prepared_transactions > 0 (test/suites/30-regress
#                        runs pg_virtualenv -o wal_level=logical ...)
#   test/run-all         every test (what CI runs; see README.md)

EXTENSION_VERSION = 0.1

MODULE_big = pgwire
OBJS = pgwire_ext.o
MODULEDIR = extension
DATA = control/pgwire.control control/pgwire--$(EXTENSION_VERSION).sql
PGFILEDESC = "pgwire - PostgreSQL wire protocol codec as SQL functions"

REGRESS = init decode messages encode constructors trace explain conversation errors replication
REGRESS_OPTS = --inputdir=. --outputdir=build/regress

PG_CPPFLAGS = -Ilib/include
# libpgwire and its own dependencies (lib/Makefile LIBS_PRIVATE)
SHLIB_LINK = lib/build/libpgwire.a $(shell sed -n "s/^LIBS_PRIVATE *= *//p" lib/Makefile)
EXTRA_CLEAN = build

PREFIX ?= /usr/local

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

all: tools

lib/build/libpgwire.a: FORCE
	$(MAKE) -C lib

pgwire_ext.o: lib/build/libpgwire.a

tools: lib/build/libpgwire.a
	$(MAKE) -C tools

install: install-tools

install-tools: tools
	$(MAKE) -C lib install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

installcheck: | build/regress
build/regress:
	mkdir -p $@

clean: clean-sub
clean-sub:
	$(MAKE) -C lib clean
	-$(MAKE) -C tools clean

.PHONY: tools install-tools clean-sub FORCE
FORCE:
