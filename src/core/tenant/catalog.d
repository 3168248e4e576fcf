src/core/tenant/catalog.o: src/core/tenant/catalog.cpp \
 include/udm/core/tenant_catalog.hpp include/udm/core/naming.hpp
include/udm/core/tenant_catalog.hpp:
include/udm/core/naming.hpp:
