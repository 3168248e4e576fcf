// udm._raise_test_error(kind text): raises one kind of error through the barrier, so the
// regression tests can pin how each kind reaches the client. Not granted to PUBLIC.
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/pg/fmgr_values.hpp"

extern "C" {
#include "utils/fmgrprotos.h"
}

UDM_PG_FUNCTION(udm_raise_test_error) {
    using namespace udm;
    const std::string kind = pg::text_arg(fcinfo, 0, "kind");
    // A live C++ object with a destructor in this frame while the error travels.
    std::vector<std::string> live{"alive", "while", "unwinding"};
    if (kind == "udm") {
        throw Error(sqlstate::kInvalidParameterValue, "udm error raised in C++",
                    "It carries its own SQLSTATE.", "The barrier reports it unchanged.");
    }
    if (kind == "postgres") {
        // A PostgreSQL error inside a guarded call: division by zero in int4div.
        pg::guard([] { return DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0)); });
    }
    if (kind == "spi") {
        pg::with_spi(false, [](pg::Spi& spi) {
            spi.execute("SELECT pg_catalog.jsonb_typeof($1::jsonb)", {"{not json"});
        });
    }
    if (kind == "bad_alloc")
        throw std::bad_alloc();
    if (kind == "std")
        throw std::logic_error("std::logic_error raised in C++");
    if (kind == "unknown")
        throw 42;
    if (kind == "none")
        PG_RETURN_VOID();
    throw Error(sqlstate::kInvalidParameterValue, "unknown test error kind \"" + kind + "\"");
}
