# refit's top level and the default `refit theory` run: help, version,
# dispatch, and a default table that names every quantity.
. "$(dirname "$0")/helpers.bash"

# --help / -h: usage on stdout, exit 0, nothing on stderr.
for h in --help -h; do
    run $h
    expect_rc 0 "refit $h"
    expect_out_contains "usage: refit"
    expect_out_contains "theory"
    [ -z "$ERR" ] || fail "refit $h wrote to stderr: $ERR"
done
run theory --help
expect_rc 0 "refit theory --help"
expect_out_contains "usage: refit theory"
for opt in --M --schedule --estimator --regime --mu --sigma --at --moments --log --format; do
    expect_out_contains "$opt"
done

# --version prints the version from CMakeLists.txt's project().
run --version
expect_rc 0 "--version"
src=$(cd "$(dirname "$0")/../.." && pwd)
want=$(sed -n 's/^project(refit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$want" ] || fail "could not read the version from $src/CMakeLists.txt"
case "$OUT" in
*"$want"*) ;;
*) fail "refit --version printed '$OUT', expected it to contain '$want'" ;;
esac
[ "$(count_lines "$OUT")" -eq 1 ] || fail "refit --version should print one line, got: $OUT"

# No command, an unknown command, and the commands still to come: exit 2,
# one line on stderr, nothing on stdout.
for args in "" "frobnicate" "--frobnicate"; do
    run $args
    expect_rc 2 "refit '$args'"
    [ -z "$OUT" ] || fail "refit '$args' wrote to stdout: $OUT"
    [ "$(count_lines "$ERR")" -eq 1 ] || fail "refit '$args': expected one stderr line, got: $ERR"
    case "$ERR" in *"--help"*) ;; *) fail "refit '$args': stderr should point to --help: $ERR" ;; esac
done
for cmd in bench; do
    run $cmd --M 10
    expect_rc 2 "refit $cmd"
    [ -z "$OUT" ] || fail "refit $cmd wrote to stdout: $OUT"
    [ "$ERR" = "refit: '$cmd' is not implemented yet" ] ||
        fail "refit $cmd: stderr '$ERR', expected \"refit: '$cmd' is not implemented yet\""
done

# The default run: exit 0, silent stderr, a model line, a header with the
# default n values, and one line per quantity, in enum order.
run theory
expect_rc 0 "default run"
[ -z "$ERR" ] || fail "default run wrote to stderr: $ERR"
first=$(printf '%s\n' "$OUT" | sed -n 1p)
for word in "schedule const:100" "estimator unbiased" "regime replace" "mu 0" "sigma 1"; do
    case "$first" in *"$word"*) ;; *) fail "default run: model line lacks '$word': $first" ;; esac
done
header=$(printf '%s\n' "$OUT" | sed -n 2p | tr -s ' ')
[ "$header" = "n 0 1 2 5 10 100 1000" ] || fail "default run: header is '$header', expected 'n 0 1 2 5 10 100 1000'"
names=$(printf '%s\n' "$OUT" | sed -n '3,$p' | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')
[ "$names" = "$QUANTITIES_REPLACE" ] ||
    fail "default run: quantity lines are '$names', expected '$QUANTITIES_REPLACE'"
# Every quantity line has a value for each of the 7 default n.
bad=$(printf '%s\n' "$OUT" | sed -n '3,$p' | awk 'NF != 8 {print $1}')
[ -z "$bad" ] || fail "default run: lines without 7 values: $bad"
# Fully specified defaults give the same output as no options.
default_out=$OUT
run theory --M 100 --estimator unbiased --regime replace --mu 0 --sigma 1 --at 0,1,2,5,10,100,1000 --format table
expect_rc 0 "explicit defaults"
[ "$OUT" = "$default_out" ] || fail "explicit default options print something else than 'refit theory'"
# --opt=value is the same as --opt value.
run theory --M=100 --at=0,1,2,5,10,100,1000
[ "$OUT" = "$default_out" ] || fail "--M=100 --at=... differs from the default run"

finish
