# shellcheck shell=bash
# The checks of an integration script (source it): check compares a value with what was
# expected and prints "ok - ..." or "not ok - ...", counting both in $passed and $failed;
# checks_summary <name> prints the script's last line, "<name>: N passed, M failed", and fails
# when a check did.
passed=0
failed=0
check() { # check <label> <expected> <actual>
    if [[ $2 == "$3" ]]; then
        echo "ok - $1"
        passed=$((passed + 1))
    else
        echo "not ok - $1: expected [$2], got [$3]"
        failed=$((failed + 1))
    fi
}
checks_summary() { # checks_summary <name>
    echo "$1: $passed passed, $failed failed"
    ((failed == 0))
}
