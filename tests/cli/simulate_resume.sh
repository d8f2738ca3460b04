# `refit simulate` checkpoints: SIGINT and SIGTERM save the state and name
# the way to resume; --resume continues to bitwise the same stdout as an
# uninterrupted run; kill -9 at random moments never leaves a checkpoint that
# fails to load; a stale FILE.tmp does not break a later run; a checkpoint
# of other options, or a truncated or corrupted one, is refused with one
# line and exit status 2.  About 30-40 s on 2 busy cores.
. "$(dirname "$0")/helpers.bash"

# A workload of a few seconds: 4000 chains (63 blocks of 64, 16 waves on
# one thread) of exact-mode chains through 4000 generations, 4 replicas.
W="simulate --M 10 --at 0,100,4000 --chains 4000 --seed 7 --quantiles 0.25 --eps 0.1 --format csv"
# The kill -9 delays come from bash's RANDOM, seeded for reproducibility.
RANDOM=20240611

# Wait (up to 30 s) until FILE exists; 0 if it does.
wait_for_file() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# The reference: one uninterrupted run.
"$REFIT" $W >"$TMP/ref.csv" 2>"$TMP/ref.err"
CHECKS=$((CHECKS + 1))
[ -s "$TMP/ref.csv" ] || fail "reference run printed nothing: $(cat "$TMP/ref.err")"

# interrupt SIGNAL CODE: run with --checkpoint, send SIGNAL mid-run, expect
# exit CODE, one stderr line naming the file and --resume, empty stdout, and
# a checkpoint rewritten by the signal (no periodic saves: the first save,
# before any work, holds no chain); then resume (with another thread count)
# and compare with the reference.
interrupt() {
    local sig=$1 code=$2 ck="$TMP/ck_$1" pid rc first done
    rm -f "$ck"
    "$REFIT" $W --checkpoint "$ck" --checkpoint-every 1000 >"$TMP/int.out" 2>"$TMP/int.err" &
    pid=$!
    CHECKS=$((CHECKS + 1))
    wait_for_file "$ck" || fail "$sig: no checkpoint file appeared"
    first=$(md5sum <"$ck")
    sleep 1
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    done=$(sed -n 's/.* after \([0-9]*\) of 4000 chains.*/\1/p' "$TMP/int.err")
    CHECKS=$((CHECKS + 1))
    if [ "${done:-0}" -gt 0 ] && [ "$first" = "$(md5sum <"$ck")" ]; then
        fail "$sig: $done chains were done, but the checkpoint was not saved on the signal"
    fi
    CHECKS=$((CHECKS + 1))
    [ "$rc" -eq "$code" ] || fail "$sig: exit status $rc, expected $code (stderr: $(cat "$TMP/int.err"))"
    [ ! -s "$TMP/int.out" ] || fail "$sig: wrote to stdout when stopped: $(head -c 200 "$TMP/int.out")"
    [ "$(wc -l <"$TMP/int.err")" -eq 1 ] || fail "$sig: expected one stderr line, got: $(cat "$TMP/int.err")"
    grep -q "^refit simulate: stopped by SIG$sig after [0-9]* of 4000 chains; state saved to '$ck': continue with the same options and --resume $ck\$" "$TMP/int.err" ||
        fail "$sig: message is '$(cat "$TMP/int.err")'"
    "$REFIT" $W --resume "$ck" --threads 2 >"$TMP/res.csv" 2>"$TMP/res.err"
    rc=$?
    CHECKS=$((CHECKS + 1))
    [ "$rc" -eq 0 ] || fail "$sig: --resume exit status $rc: $(cat "$TMP/res.err")"
    cmp -s "$TMP/ref.csv" "$TMP/res.csv" || fail "$sig: the resumed output differs from the uninterrupted run"
    # The final save holds every chain: resuming again prints the same at once.
    "$REFIT" $W --resume "$ck" >"$TMP/res2.csv" 2>/dev/null
    CHECKS=$((CHECKS + 1))
    cmp -s "$TMP/ref.csv" "$TMP/res2.csv" || fail "$sig: resuming a finished checkpoint differs"
}
interrupt INT 130
interrupt TERM 143

# Without a checkpoint: exit 130, one line saying nothing was saved.
"$REFIT" $W >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
CHECKS=$((CHECKS + 1))
[ "$rc" -eq 130 ] && [ ! -s "$TMP/int.out" ] && [ "$(wc -l <"$TMP/int.err")" -eq 1 ] &&
    grep -q "nothing saved" "$TMP/int.err" ||
    fail "SIGINT without --checkpoint: exit $rc, stderr '$(cat "$TMP/int.err")'"

# The checkpoint is rewritten while the run goes on (--checkpoint-every).
ck="$TMP/ck_every"
"$REFIT" $W --checkpoint "$ck" --checkpoint-every 0.05 >/dev/null 2>&1 &
pid=$!
CHECKS=$((CHECKS + 1))
wait_for_file "$ck" || fail "--checkpoint-every: no checkpoint file appeared"
first=$(md5sum <"$ck")
sleep 1.5
later=$(md5sum <"$ck")
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ "$first" != "$later" ] || fail "--checkpoint-every 0.05: the checkpoint did not change in 1.5 s"

# kill -9 at random moments: each start resumes the previous checkpoint (it
# must load: a refusal exits 2 instead of being killed), and the last resume
# runs to the end with the reference's output.
ck="$TMP/ck9"
rm -f "$ck"
delays=""
for i in 1 2 3 4 5 6; do
    delay=$(printf '0.%02d' $((RANDOM % 90 + 10)))
    delays="$delays $delay"
    if [ -e "$ck" ]; then
        "$REFIT" $W --resume "$ck" --checkpoint-every 0.05 >/dev/null 2>"$TMP/k9.err" &
    else
        "$REFIT" $W --checkpoint "$ck" --checkpoint-every 0.05 >/dev/null 2>"$TMP/k9.err" &
    fi
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    CHECKS=$((CHECKS + 1))
    # 137: killed; 0: it finished before the kill (fine).
    [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] ||
        fail "kill -9 round $i (delays$delays): exit $rc: $(cat "$TMP/k9.err")"
done
"$REFIT" $W --resume "$ck" >"$TMP/k9.csv" 2>"$TMP/k9.err"
rc=$?
CHECKS=$((CHECKS + 1))
[ "$rc" -eq 0 ] || fail "resume after kill -9 (delays$delays): exit $rc: $(cat "$TMP/k9.err")"
cmp -s "$TMP/ref.csv" "$TMP/k9.csv" || fail "resume after kill -9 (delays$delays): output differs"

# A stale or garbage FILE.tmp (from a kill during a save) breaks nothing.
ck="$TMP/ck_tmp"
printf 'garbage from an interrupted save\n' >"$ck.tmp"
"$REFIT" $W --checkpoint "$ck" >"$TMP/tmp.csv" 2>"$TMP/tmp.err"
rc=$?
CHECKS=$((CHECKS + 1))
[ "$rc" -eq 0 ] && cmp -s "$TMP/ref.csv" "$TMP/tmp.csv" ||
    fail "a stale $ck.tmp: exit $rc, stderr $(cat "$TMP/tmp.err")"
[ ! -e "$ck.tmp" ] || fail "$ck.tmp is left after a run"

# A finished checkpoint for the refusals below (small and fast).
S="simulate --M 10 --at 0,50 --chains 300 --seed 3 --format csv"
good="$TMP/good"
"$REFIT" $S --checkpoint "$good" >"$TMP/s.csv" 2>/dev/null
run $S --resume "$good" --threads 2 --quiet
expect_rc 0 "--resume with other --threads/--quiet"
[ "$OUT" = "$(cat "$TMP/s.csv")" ] || fail "--resume with --threads 2: output differs"

# expect_resume_error WHAT ARGS...: exit 2, one line on stderr naming
# --resume, nothing on stdout.
expect_resume_error() {
    local what=$1
    shift
    run "$@"
    [ "$RC" -eq 2 ] || fail "$what: exit status $RC, expected 2 (stderr: $ERR)"
    [ -z "$OUT" ] || fail "$what: wrote to stdout: $(printf '%s' "$OUT" | head -c 200)"
    [ "$(count_lines "$ERR")" -eq 1 ] || fail "$what: expected one stderr line, got: $ERR"
    case "$ERR" in
    "refit simulate: --resume: "*) ;;
    *) fail "$what: stderr should start 'refit simulate: --resume: ', got: $ERR" ;;
    esac
}
# Other options: each part of the configuration counts.
for other in "--seed 4" "--chains 301" "--at 0,51" "--M 11" "--estimator mle" "--sigma 2" \
    "--importance off" "--eps 0.5" "--quantiles 0.3" "--mode sample"; do
    A="$S"
    case "$other" in --seed*) A=${A/--seed 3/} ;; --chains*) A=${A/--chains 300/} ;;
    --at*) A=${A/--at 0,50/} ;; --M*) A=${A/--M 10/} ;; esac
    expect_resume_error "a checkpoint of other options ($other)" $A $other --resume "$good"
    case "$ERR" in *"other options"*) ;; *) fail "$other: message does not say 'other options': $ERR" ;; esac
done
# Truncated, corrupted (one byte flipped in the records), empty, not a checkpoint.
size=$(stat -c %s "$good")
cp "$good" "$TMP/trunc"
truncate -s $((size / 2)) "$TMP/trunc"
expect_resume_error "a truncated checkpoint" $S --resume "$TMP/trunc"
cp "$good" "$TMP/short"
truncate -s $((size - 1)) "$TMP/short"
expect_resume_error "a checkpoint one byte short" $S --resume "$TMP/short"
cp "$good" "$TMP/long"
printf 'x' >>"$TMP/long"
expect_resume_error "a checkpoint with a byte appended" $S --resume "$TMP/long"
cp "$good" "$TMP/flip"
byte=$(od -An -tu1 -j $((size / 2)) -N1 "$TMP/flip" | tr -d ' ')
printf "\\$(printf '%03o' $(((byte + 1) % 256)))" |
    dd of="$TMP/flip" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$good" "$TMP/flip" && fail "the corruption did not change the file"
expect_resume_error "a corrupted checkpoint" $S --resume "$TMP/flip"
case "$ERR" in *"corrupt"*) ;; *) fail "corrupted checkpoint: message does not say so: $ERR" ;; esac
: >"$TMP/empty"
expect_resume_error "an empty checkpoint" $S --resume "$TMP/empty"
printf '1\n2\n' >"$TMP/text"
expect_resume_error "a text file" $S --resume "$TMP/text"
expect_resume_error "a directory" $S --resume "$TMP"
# The refused files are left as they were (nothing overwritten on refusal).
cmp -s "$good" "$TMP/good" || fail "the good checkpoint changed"
[ "$(stat -c %s "$TMP/trunc")" -eq $((size / 2)) ] || fail "the truncated checkpoint was rewritten"

# An unwritable checkpoint path: exit 1 (a failure of the machine), before
# any work, with one line.
run $S --checkpoint "$TMP/no-such-dir/ck"
[ "$RC" -eq 1 ] && [ -z "$OUT" ] && [ "$(count_lines "$ERR")" -eq 1 ] ||
    fail "unwritable --checkpoint: exit $RC, stdout '$OUT', stderr '$ERR'"

finish
