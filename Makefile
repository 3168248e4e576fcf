# udm: PGXS build of udm.so from the C++17 core (src/core) and adapter (src/pg).
EXTENSION = udm
MODULE_big = udm
DATA = $(wildcard sql/udm--*.sql)
PGFILEDESC = "udm - Universal Data Model"

# The whole core, GraphQL included (udm.graphql_sdl prints the gateway's schema).
CORE_SRCS = $(sort $(wildcard src/core/*.cpp src/core/*/*.cpp))
PG_SRCS = $(sort $(wildcard src/pg/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# pg_regress tests, in order: sql/<name>.sql against expected/<name>.out.
REGRESS = setup error_barrier tenant_names tenant_lifecycle catalog_constraints \
          tenant_isolation tenant_dump_restore class_lifecycle class_bad_input \
          relationships model_apply model_verify_replay class_security \
          rules events graphql security

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -Iinclude
PG_CXXFLAGS = -std=c++17 -fPIC -fvisibility=hidden -fvisibility-inlines-hidden \
              -Wno-register -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# Header dependencies, so a changed header rebuilds what includes it.
PG_CXXFLAGS += -MMD -MP
EXTRA_CLEAN = $(OBJS:.o=.d)
# Export only what PostgreSQL looks up; libstdc++ template instances stay local.
SHLIB_LINK = -lre2 -lstdc++ -Wl,--version-script=$(srcdir)/udm.map -Wl,--as-needed
# No LLVM bitcode: JIT inlining of udm functions is not worth a clang dependency.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(shlib): udm.map

-include $(OBJS:.o=.d)

.PHONY: format
format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')
