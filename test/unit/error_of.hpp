// error_of: the udm::Error a piece of code throws, for tests that check its SQLSTATE and
// its message.
#pragma once

#include <gtest/gtest.h>

#include "udm/core/error.hpp"

namespace udm::test {

// Runs f, which must throw udm::Error; returns it (a test failure if it throws nothing).
template <typename F>
Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no udm::Error thrown";
    return Error("XX000", "none");
}

}  // namespace udm::test
