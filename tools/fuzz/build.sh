#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer into .build-fuzz/bin (git-ignored).
#
#   tools/fuzz/build.sh            # both binaries, then links fuzz-<target> for every target
#
# Package.swift is not used: each fuzz binary is one swiftc invocation over a module's real
# sources (Sources/VCCheckpoint or Sources/VCImage) plus the harness files in targets/, so the
# targets reach the module's internal entry points. The C codecs (Sources/CCodecs) are compiled
# with clang under the same sanitizers; libjpeg, libpng and zlib are the system's.
#
# Swift is built with -O, not the package's -Ounchecked: -O keeps Swift's own checks (integer
# overflow, array bounds), so arithmetic that would silently wrap in the release build traps here
# and becomes a finding. Raw-pointer reads are checked by AddressSanitizer instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/.build-fuzz
SWIFTC=${SWIFTC:-swiftc}
CLANG=${CLANG:-$(dirname "$(command -v "$SWIFTC")")/clang}
NICE="nice -n 19"
mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/modulemap" "$OUT/tmp"

# CCodecs as a Clang module, the way SwiftPM presents it.
cat > "$OUT/modulemap/module.modulemap" <<MAP
module CCodecs {
    umbrella header "$ROOT/Sources/CCodecs/include/ccodecs.h"
    export *
}
MAP

echo "== CCodecs (clang -fsanitize=fuzzer-no-link,address)"
objs=()
for c in "$ROOT"/Sources/CCodecs/*.c; do
    o="$OUT/obj/$(basename "$c" .c).o"
    $NICE "$CLANG" -c -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address \
        -I "$ROOT/Sources/CCodecs/include" -I/usr/include/libpng16 "$c" -o "$o"
    objs+=("$o")
done

swift_fuzz() {  # module-name output sources...
    local module=$1 output=$2
    shift 2
    echo "== $module -> $(basename "$output") (swiftc -O -sanitize=fuzzer,address)"
    rm -f "$output"
    # From a scratch directory: swiftc leaves module files (.swiftmodule, .swiftdoc) in the cwd.
    (cd "$OUT/tmp" && $NICE "$SWIFTC" -O -g -wmo -swift-version 6 -parse-as-library -module-name "$module" \
        -sanitize=fuzzer,address \
        -Xcc -fmodule-map-file="$OUT/modulemap/module.modulemap" -I "$ROOT/Sources/CCodecs/include" \
        "$@" "${objs[@]}" -ljpeg -lpng16 -lz -o "$output") 2>&1 \
        | grep -v "Cannot export local symbol '__asan" || true
    test -x "$output"
}

only=${1:-all}
if [[ $only == all || $only == checkpoint ]]; then
    swift_fuzz VCCheckpoint "$OUT/bin/fuzz-checkpoint" "$ROOT"/Sources/VCCheckpoint/*.swift \
        "$ROOT"/tools/fuzz/targets/FuzzSupport.swift "$ROOT"/tools/fuzz/targets/CheckpointTargets.swift
    for t in zip pickle torch safetensors npy; do ln -sf fuzz-checkpoint "$OUT/bin/fuzz-$t"; done
fi
if [[ $only == all || $only == image ]]; then
    swift_fuzz VCImage "$OUT/bin/fuzz-image" "$ROOT"/Sources/VCImage/*.swift \
        "$ROOT"/tools/fuzz/targets/FuzzSupport.swift "$ROOT"/tools/fuzz/targets/ImageTargets.swift
    for t in jpeg png; do ln -sf fuzz-image "$OUT/bin/fuzz-$t"; done
fi
ls -l "$OUT/bin"
