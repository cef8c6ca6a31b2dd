#!/bin/bash
ROOT=$(cd "$(dirname "$0")/../.." && pwd); W=${VCVIEW_BOUNDS_DIR:-/tmp/vcview-bounds}; mkdir -p "$W"
# Usage: measure.sh BIN OUTFILE — runs every issue-13 case with /usr/bin/time -v; one TSV row per case.
BIN=${1:-$ROOT/.build/release/vcview}; OUT=${2:-$W/table.tsv}
C=$W/cases; IMG=$ROOT/assets/scenes/star.png
export OPENBLAS_CORETYPE=SkylakeX
: > "$OUT"
run() { # name timeout cmd...
  local name=$1 to=$2; shift 2
  local log=$W/logs/$name; mkdir -p $W/logs
  /usr/bin/time -v -o "$log.time" timeout -s KILL "$to" "$@" > "$log.out" 2> "$log.err" < /dev/null &
  local tpid=$! capped=""
  # Watchdog: a shared machine; stop any case at 4 GB resident (reported as "killed >4GB").
  while kill -0 $tpid 2>/dev/null; do
    for p in $(pgrep -P $(pgrep -P $tpid 2>/dev/null | head -1) 2>/dev/null); do
      r=$(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null)
      if [ -n "$r" ] && [ "$r" -gt 4194304 ]; then kill -KILL $p; capped=" (killed at 4 GB by the watchdog)"; fi
    done; sleep 0.2
  done
  wait $tpid; local rc=$?
  local sig=$(grep -o 'Command terminated by signal [0-9]*' "$log.time" | grep -o '[0-9]*$')
  local rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$log.time")
  local wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$log.time")
  local cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u+s}' "$log.time")
  local first=$( (grep -m1 -E 'error|nan|NaN|non-finite|Fatal|refus' "$log.err" "$log.out" || head -c 150 "$log.err") | head -c 160 | tr '\n\t' '  ')
  printf "%s\t%s\t%s\t%s MB\t%s\t%s cpu\t%s\n" "$name" "$rc" "${sig:+sig $sig}" "$((rss/1024))" "$wall" "$cpu" "$first$capped" | tee -a "$OUT"
}
for c in nan inf_head huge zero; do
  run predict-$c 120 $BIN predict $IMG --weights $C/$c.safetensors
  run export-$c 300 $BIN export $IMG --weights $C/$c.safetensors --out $W/exp-$c --quiet
done
for c in classes0 classes1 n0 posgrid0 depth0; do
  run predict-$c 120 $BIN predict $IMG --weights $C/$c.safetensors
  run export-$c 300 $BIN export $IMG --weights $C/$c.safetensors --out $W/exp-$c --quiet
done
for c in bomb_dicts bomb_lists bomb_tuples bigint_text bigint_long4; do
  run inspect-$c 120 $BIN inspect $C/$c.pth
done
run inspect-dev-zero 120 $BIN inspect /dev/zero
rm -f $W/fifo; mkfifo $W/fifo; (timeout 60 cat /dev/zero > $W/fifo 2>/dev/null &) 
run inspect-fifo-zeros 120 $BIN inspect $W/fifo
run export-size2048 900 $BIN export $IMG --size 2048 --out $W/exp-2048 --quiet
