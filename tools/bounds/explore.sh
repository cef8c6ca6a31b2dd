#!/bin/bash
ROOT=$(cd "$(dirname "$0")/../.." && pwd); W=${VCVIEW_BOUNDS_DIR:-/tmp/vcview-bounds}; mkdir -p "$W"
# Usage: explore.sh BIN OUTFILE — the explorer in tmux on each case: first screen, every Mamba view (m, v) and state/class index (n), quit.
BIN=${1:-$ROOT/.build/release/vcview}; OUT=${2:-$W/explore.tsv}
C=$W/cases; IMG=$ROOT/assets/scenes/star.png; S=i13x$$$(basename $OUT)
: > "$OUT"; mkdir -p $W/logs
for c in nan inf_head huge zero classes0 classes1 n0 posgrid0; do
  log=$W/logs/explore-$c; rm -f $log.*
  tmux -L $S -f /dev/null new-session -d -x 120 -y 40 "env TERM=xterm-256color LANG=C.UTF-8 OPENBLAS_CORETYPE=SkylakeX /usr/bin/time -v -o $log.time $BIN $IMG --weights $C/$c.safetensors 2>$log.err; echo \$? > $log.rc; sleep 30"
  sleep 6; tmux -L $S capture-pane -p > $log.screen1 2>/dev/null
  for k in ']' ']' ']' 'm' 'v' 'n' 'n' 'v' 'n' 'v' 'v' 'n' 'n'; do tmux -L $S send-keys "$k" 2>/dev/null; sleep 1; done
  tmux -L $S capture-pane -p > $log.screen2 2>/dev/null
  tmux -L $S send-keys Escape q 2>/dev/null; sleep 3
  tmux -L $S kill-server 2>/dev/null
  rc=$(cat $log.rc 2>/dev/null); sig=$(grep -o 'Command terminated by signal [0-9]*' $log.time | grep -o '[0-9]*$')
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' $log.time); wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' $log.time)
  first=$(grep -m1 -E 'error|Fatal' $log.err | head -c 160)
  printf "explore-%s\t%s\t%s\t%s MB\t%s\t%s\n" $c "$rc" "${sig:+sig $sig}" "$((rss/1024))" "$wall" "$first" | tee -a $OUT
done
