#!/usr/bin/env bash
# Runs one fuzz target for a bounded time, at the lowest CPU priority.
#
#   tools/fuzz/run.sh TARGET [SECONDS] [more libFuzzer flags...]
#   tools/fuzz/run.sh torch 180
#   .build-fuzz/bin/fuzz-torch CRASH_FILE        # replays one input (no fuzzing)
#
# TARGET is zip, pickle, torch, safetensors, npy, jpeg or png. The working corpus grows in
# .build-fuzz/corpus/TARGET (kept between runs), seeds come from .build-fuzz/seeds/TARGET
# (tools/fuzz/seeds.py), crashing inputs land in .build-fuzz/artifacts/TARGET/, the full log in
# .build-fuzz/logs/, and one summary line per run is appended to .build-fuzz/logs/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=${1:?usage: run.sh TARGET [SECONDS] [libFuzzer flags]}
S=${2:-180}
shift $(( $# >= 2 ? 2 : 1 ))
F=.build-fuzz
BIN=$F/bin/fuzz-$T
[[ -x $BIN ]] || { echo "no $BIN: run tools/fuzz/build.sh first" >&2; exit 2; }
[[ -d $F/seeds/$T ]] || python3 tools/fuzz/seeds.py
mkdir -p "$F/corpus/$T" "$F/artifacts/$T" "$F/logs"
dict=()
[[ -f tools/fuzz/dicts/$T.dict ]] && dict=(-dict=tools/fuzz/dicts/$T.dict)
log=$F/logs/$T-$(date +%Y%m%d-%H%M%S).log
before=$(ls "$F/artifacts/$T" | wc -l)

# -malloc_limit_mb: any single allocation over 1 GiB from an input of at most 64 KiB is a finding
# (the readers' own limits allow more, but only for files whose bytes really back the size).
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
nice -n 19 "$BIN" -max_total_time="$S" -max_len=65536 -timeout=20 -rss_limit_mb=2560 \
    -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$F/artifacts/$T/" \
    "${dict[@]}" "$@" "$F/corpus/$T" "$F/seeds/$T" > "$log" 2>&1
rc=$?
set -e
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | awk '{print $2}' | tail -1)
cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
after=$(ls "$F/artifacts/$T" | wc -l)
line="$(date -u +%FT%TZ) target=$T seconds=$S rc=$rc execs=${execs:-?} exec_per_sec=${rate:-?} cov=${cov:-?} new_artifacts=$((after - before)) log=$log"
echo "$line" | tee -a "$F/logs/summary.txt"
if (( rc != 0 )); then
    grep -E '^==[0-9]+==ERROR|^SUMMARY|deadly signal|Fatal error|fuzz finding|ERROR: libFuzzer|Test unit written' "$log" | head -20
fi
exit $rc
