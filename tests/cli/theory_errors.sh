# Bad input to `refit theory`: exit status 2, exactly one line on stderr
# naming the option and the accepted range, and nothing on stdout.
. "$(dirname "$0")/helpers.bash"

# --M: below 2, not whole, beyond 2^53, signs, blanks, garbage.
for v in 1 0 -5 2.5 1e3 9007199254740993 18446744073709551616 abc "" " 5" "5 " 5x +5 0x10; do
    expect_usage_error --M theory --M "$v"
done
run theory --M 1
[ "$ERR" = "refit theory: --M: got '1'; expected a whole number from 2 to 9007199254740992" ] ||
    fail "--M 1: message is '$ERR'"
# The boundaries themselves are accepted.
for v in 2 9007199254740992; do
    run theory --M "$v" --at 1
    expect_rc 0 "--M $v (a boundary)"
done

# --sigma <= 0, non-numbers, nan/inf, trailing garbage, overflow; --mu likewise.
for v in 0 -1 -0 nan inf -inf infinity 1e999 1e-400 1x 0x1p3 "" abc 1,2; do
    expect_usage_error --sigma theory --sigma "$v"
done
for v in nan inf 1e999 "" x 1..2 0x10; do
    expect_usage_error --mu theory --mu "$v"
done

# --regime: lambda outside (0, 1], malformed, unknown.
for v in mix:0 mix:-0.5 mix:1.0000001 mix:2 mix:nan mix: mix foo REPLACE; do
    expect_usage_error --regime theory --regime "$v"
done
run theory --regime mix:1 --at 1
expect_rc 0 "--regime mix:1 (the boundary)"

# --estimator, --format, --schedule: unknown values.
for v in biased MLE ""; do expect_usage_error --estimator theory --estimator "$v"; done
for v in xml CSV ""; do expect_usage_error --format theory --format "$v"; done
for v in const const: const:1 const:2.5 poly:10 poly:10,1,2 poly:1,1 poly:10,-1 poly:x,1 \
    poly:10,inf poly:1e16,0 list: geometric:2; do
    expect_usage_error --schedule theory --schedule "$v"
done

# --at: negative, not whole, beyond 2^53 (where generation counts stop being
# exact doubles), empty items.
for v in -1 1.5 1e3 9007199254740993 18446744073709551616 "" , 1,,2 1, ,1 " 1" x; do
    expect_usage_error --at theory --at "$v"
done
run theory --at 9007199254740992 --format csv
expect_rc 0 "--at 2^53 (the boundary)"

# --moments: not a number, outside r > -(M-1)/2, repeated.
expect_usage_error --moments theory --moments x
expect_usage_error --moments theory --moments 2,
expect_usage_error --moments theory --moments nan
expect_usage_error --moments theory --moments 2,2
expect_usage_error --moments theory --M 10 --moments -4.5
run theory --M 10 --moments -4.4 --at 0,1
expect_rc 0 "--M 10 --moments -4.4 (inside r > -4.5)"
expect_usage_error --moments theory --schedule poly:4,1 --moments -1.5
printf '50\n3\n80\n' >"$TMP/sizes"
expect_usage_error --moments theory --schedule "list:$TMP/sizes" --moments -1

# Unknown options, stray arguments, missing values, flags with values, repeats.
expect_usage_error --frobnicate theory --frobnicate
expect_usage_error --frobnicate theory --frobnicate=3
expect_usage_error -M theory -M 10
expect_usage_error 17 theory 17
for opt in --M --schedule --estimator --regime --mu --sigma --at --moments --format; do
    expect_usage_error "$opt" theory "$opt"
done
expect_usage_error --log theory --log=yes
expect_usage_error --M theory --M 10 --M 20
expect_usage_error --at theory --at 1 --at 2

# Conflicts: --M with --schedule; accumulate with a non-constant schedule.
expect_usage_error --M theory --M 10 --schedule const:10
expect_usage_error --regime theory --regime accumulate --schedule poly:10,1
printf '10\n20\n' >"$TMP/two"
expect_usage_error --regime theory --regime accumulate --schedule "list:$TMP/two"
# ... but accumulate with a constant poly (alpha 0) or a one-size list is fine.
printf '10\n' >"$TMP/one"
run theory --regime accumulate --schedule "list:$TMP/one" --at 0,5
expect_rc 0 "accumulate with a one-size list"
run theory --regime accumulate --schedule poly:10,0 --at 0,5
expect_rc 0 "accumulate with poly alpha 0"

# list:FILE: missing, a directory, bad lines, sizes out of range, empty.
expect_usage_error --schedule theory --schedule "list:$TMP/does-not-exist"
expect_usage_error --schedule theory --schedule "list:$TMP"
for content in '10\nabc\n' '10\n1\n' '10\n2.5\n' '10 20\n' '-4\n' '9007199254740993\n' '# only a comment\n\n' ''; do
    printf -- "$content" >"$TMP/bad"
    expect_usage_error --schedule theory --schedule "list:$TMP/bad"
done
printf '10\nabc\n' >"$TMP/bad"
run theory --schedule "list:$TMP/bad"
case "$ERR" in *"line 2"*) ;; *) fail "a bad list line should be named by its number: $ERR" ;; esac

# A POLY schedule whose sizes pass 2^53 before the requested n.
expect_usage_error --at theory --schedule poly:1e15,2 --at 1,10
# M_i = 1e15 (i+1)^2 stays <= 2^53 for i <= 2, so n = 3 is the last generation.
case "$ERR" in *"n <= 3"*) ;; *) fail "poly beyond 2^53: the message should name the largest n (3): $ERR" ;; esac
run theory --schedule poly:1e15,2 --at 1,3 --format csv
expect_rc 0 "poly:1e15,2 up to n = 3 (M_2 = 9e15 <= 2^53)"

# A non-printable byte in a value stays on one line.
expect_usage_error --sigma theory --sigma "$(printf '1\n2')"

finish
