// The adapter's common PostgreSQL base: postgres.h first, then fmgr.h. Include it after
// every C++ and third-party header: PostgreSQL's port.h redefines printf and friends as
// macros. Each file adds the further PostgreSQL headers it uses itself, after its udm/pg
// headers, in an extern "C" block of its own.
#pragma once

// PostgreSQL 15 leaves PGDLLEXPORT empty on ELF platforms; udm.so is built with
// -fvisibility=hidden, so the symbols PostgreSQL looks up must be made visible here.
#ifndef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#endif

extern "C" {
#include "postgres.h"

#include "fmgr.h"
}
