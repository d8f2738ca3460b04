# Shared helpers for the tests/cli/*.sh scripts (sourced, not a test itself:
# ctest only picks up *.sh).  Each script runs as `bash script.sh /path/to/refit`.
#
#   run ARGS...            run refit; sets OUT (stdout), ERR (stderr), RC
#   fail MESSAGE           record a failure (the script goes on, then exits 1)
#   expect_rc N WHAT       check RC
#   expect_usage_error OPTION ARGS...
#                          refit ARGS must exit 2 with empty stdout and exactly
#                          one stderr line "refit theory: OPTION: ...; expected ..."
#   pycheck WHAT SCRIPT [ARGS...]
#                          run a python3 check; it prints problems and exits non-zero
#   finish                 exit 0 if nothing failed, 1 otherwise

set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: bash $(basename "$0") /path/to/refit (got '${1:-}', not an executable)" >&2
    exit 1
fi
REFIT=$1
FAILURES=0
CHECKS=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() {
    FAILURES=$((FAILURES + 1))
    echo "FAIL: $*" >&2
}

# Run refit with the given arguments, capturing stdout, stderr and status.
run() {
    CHECKS=$((CHECKS + 1))
    "$REFIT" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
    LAST_ARGS="$*"
}

# The number of lines in a string ("" has none).
count_lines() {
    if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l | tr -d ' '; fi
}

expect_rc() {
    if [ "$RC" -ne "$1" ]; then
        fail "refit $LAST_ARGS: $2: exit status $RC, expected $1 (stderr: $ERR)"
        return 1
    fi
    return 0
}

expect_usage_error() {
    local option=$1
    shift
    run "$@"
    if [ "$RC" -ne 2 ]; then
        fail "refit $*: exit status $RC, expected 2 (bad input for $option)"
    fi
    if [ -n "$OUT" ]; then
        fail "refit $*: wrote to stdout on bad input: $(printf '%s' "$OUT" | head -c 200)"
    fi
    if [ "$(count_lines "$ERR")" -ne 1 ]; then
        fail "refit $*: expected exactly one stderr line, got $(count_lines "$ERR"): $ERR"
    fi
    case "$ERR" in
    "refit theory: $option: "*"; expected "*) ;;
    *) fail "refit $*: stderr should read 'refit theory: $option: ...; expected ...', got: $ERR" ;;
    esac
}

# Fail unless $OUT contains the fixed string $1.
expect_out_contains() {
    case "$OUT" in
    *"$1"*) ;;
    *) fail "refit $LAST_ARGS: stdout lacks '$1'" ;;
    esac
}

# pycheck WHAT SCRIPT ARGS...: run a python3 check script (ARGS go to sys.argv[1:]).
pycheck() {
    local what=$1 script=$2
    shift 2
    CHECKS=$((CHECKS + 1))
    if ! python3 -c "$script" "$@" >"$TMP/py" 2>&1; then
        fail "$what: $(cat "$TMP/py")"
    fi
}

finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "$(basename "$0"): $FAILURES of $CHECKS checks failed" >&2
        exit 1
    fi
    echo "$(basename "$0"): all $CHECKS checks passed"
    exit 0
}

# The default columns, per regime: the quantities in enum order (refit/theory.h),
# then, in the replace regime, var_median (refit/distribution.h).
QUANTITIES_REPLACE="var_mean var_var sd_mean logvar_mean logvar_var logvar_k3 logvar_k4 mean_mse marginal_var w2sq_mean w2sq_var w2sq_lower var_median"
QUANTITIES_OTHER="var_mean mean_mse marginal_var w2sq_lower"
