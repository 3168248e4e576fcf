# udm: PGXS installs the extension (udm.so, udm.control, the SQL scripts) and runs the
# pg_regress tests. udm.so itself is built by CMake in $(BUILD_DIR) with everything else
# (CMakeLists.txt), so that each source is compiled once: `make` configures that build
# directory when it has none and brings udm.so up to date.
EXTENSION = udm
MODULES = udm
DATA = $(wildcard sql/udm--*.sql)
PGFILEDESC = "udm - Universal Data Model"

# pg_regress tests, in order: sql/<name>.sql against expected/<name>.out.
REGRESS = setup error_barrier tenant_names tenant_lifecycle tenant_limits catalog_constraints \
          tenant_isolation tenant_dump_restore class_lifecycle class_bad_input \
          relationships model_apply data_loss model_verify_replay model_cache class_security \
          rules rules_unique_reference rules_probe_edges class_triggers events graphql graphql_query graphql_mutation graphql_things graphql_corpus security

PG_CONFIG ?= pg_config
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
# No LLVM bitcode: JIT inlining of udm functions is not worth a clang dependency.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Overrides PGXS's rule (udm.so from udm.o): CMake builds it, and only what changed.
$(BUILD_DIR)/CMakeCache.txt: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DPG_CONFIG=$(PG_CONFIG) >/dev/null
	@touch $@

.PHONY: udm.so
udm.so: $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) --target udm -j$(JOBS)
	@cmp -s $(BUILD_DIR)/udm.so $@ || cp -f $(BUILD_DIR)/udm.so $@

.PHONY: format
format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')
