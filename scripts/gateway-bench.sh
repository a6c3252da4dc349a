#!/usr/bin/env bash
# C-STORE ingest benchmark: our gateway (release build, thumbnails on, files durably
# stored) against Debian's Orthanc, on this machine, in one run.
#
#   scripts/gateway-bench.sh            # 200 images of 3328 x 4096, 16-bit (12 bits stored)
#   COUNT=20 scripts/gateway-bench.sh   # fewer, while developing
#
# Each target gets the same synthetic mammograms, first uncompressed (Explicit VR Little
# Endian, ~27 MB each) and then JPEG Lossless SV1 (made by dcmcjpeg), sent by one dcmtk
# storescu association with a 128 kB maximum PDU. Prints images/s for each, the ratio,
# and the gateway's thumbnail time p50 / p99 (from its log).
#
# Needs dcmtk and orthanc (Debian) and .venv (scripts/install-test-deps.sh installs them).
# Generated images are cached in $DATA (default /tmp/gateway-bench-data).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COUNT="${COUNT:-200}"
ROWS="${ROWS:-4096}"
COLUMNS="${COLUMNS:-3328}"
PDU="${PDU:-131072}"
DATA="${DATA:-/tmp/gateway-bench-data}"
WORK="$(mktemp -d /tmp/gateway-bench.XXXXXX)"
GW_PORT="${GW_PORT:-11190}"
ORTHANC_PORT="${ORTHANC_PORT:-11191}"
ORTHANC_HTTP="${ORTHANC_HTTP:-18042}"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf 'gateway-bench: %s\n' "$*" >&2; }
for tool in storescu dcmcjpeg Orthanc; do
    command -v "$tool" >/dev/null || { log "$tool is missing: scripts/install-test-deps.sh"; exit 1; }
done
[ -x .venv/bin/python ] || { log ".venv is missing: scripts/install-test-deps.sh"; exit 1; }

# --- images -----------------------------------------------------------------------------
make_set() { # name, extra args
    local dir="$DATA/$1-${COLUMNS}x${ROWS}"
    shift
    if [ "$(find "$dir" -name '*.dcm' 2>/dev/null | wc -l)" -lt "$COUNT" ]; then
        log "generating $COUNT images in $dir"
        rm -rf "$dir"
        .venv/bin/python scripts/dicom/make_mammograms.py "$dir" --studies "$(((COUNT + 3) / 4))" \
            --rows "$ROWS" --columns "$COLUMNS" --bits 12 "$@" >/dev/null
    fi
    echo "$dir"
}
RAW_DIR="$(make_set raw --seed 11)"
JPEG_DIR="$(make_set jpeg --seed 12 --transfer-syntax jpeg-lossless-sv1 --photometric MONOCHROME1 --voi sigmoid)"
mapfile -t RAW_FILES < <(find "$RAW_DIR" -name '*.dcm' | sort | head -n "$COUNT")
mapfile -t JPEG_FILES < <(find "$JPEG_DIR" -name '*.dcm' | sort | head -n "$COUNT")
log "$(du -sh "$RAW_DIR" | cut -f1) uncompressed, $(du -sh "$JPEG_DIR" | cut -f1) JPEG Lossless SV1"

# --- the gateway ------------------------------------------------------------------------
log "building the gateway (release)"
cargo build -q --release -p gateway --bin screening-gateway
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
GW_BIN="$TARGET/release/screening-gateway"

wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    log "nothing listens on port $1"
    return 1
}

# send NAME AE PORT [storescu options] -- files...: prints images/s
send() {
    local name=$1 ae=$2 port=$3
    shift 3
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    cat "$@" >/dev/null # the same warm page cache for every target
    local start end
    start=$(date +%s.%N)
    storescu -aet BENCH -aec "$ae" -pdu "$PDU" "${opts[@]}" 127.0.0.1 "$port" "$@" >"$WORK/$name.storescu.log" 2>&1 ||
        { log "storescu failed for $name"; tail -5 "$WORK/$name.storescu.log" >&2; return 1; }
    end=$(date +%s.%N)
    if grep -q "Error" "$WORK/$name.storescu.log"; then
        log "$name: storescu reported errors"; grep -m3 Error "$WORK/$name.storescu.log" >&2
    fi
    python3 -c "import sys; n=int(sys.argv[1]); s=float(sys.argv[3])-float(sys.argv[2]); print(f'{n/s:.2f}')" "$#" "$start" "$end"
}

percentiles() { # log file: p50 p99 of thumbnail_ms
    grep -o 'thumbnail_ms=[0-9.]*' "$1" | cut -d= -f2 | python3 -c '
import sys
v = sorted(float(x) for x in sys.stdin if x.strip())
if not v:
    print("n/a n/a 0")
else:
    p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    print(f"{p(0.5):.1f} {p(0.99):.1f} {len(v)}")'
}

run_gateway() { # set name, storescu opts..., -- files
    local name=$1
    shift
    local dir="$WORK/gw-$name"
    mkdir -p "$dir"
    GATEWAY_ECHO_SECONDS=0 GATEWAY_CENTRAL_URL=http://127.0.0.1:9 GATEWAY_TOKEN=bench \
        RUST_LOG=info,gateway::forward=error "$GW_BIN" --port "$GW_PORT" --host 127.0.0.1 \
        --storage-dir "$dir/images" --database "$dir/gateway.db" >"$dir/log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_port "$GW_PORT"
    local rate t0 t1 all
    cat "${@: -$COUNT}" >/dev/null
    t0=$(date +%s.%N)
    rate=$(send "gw-$name" SCREENING "$GW_PORT" "$@")
    # Compressed images' thumbnails are made just after their C-STORE: wait for the last.
    python3 - "$dir/gateway.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
while db.execute("SELECT count(*) FROM outbox WHERE pending_thumbnail IS NOT NULL").fetchone()[0]:
    time.sleep(0.05)
PY
    t1=$(date +%s.%N)
    all=$(python3 -c "import sys; print(f'{int(sys.argv[1])/(float(sys.argv[3])-float(sys.argv[2])):.2f}')" "$COUNT" "$t0" "$t1")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local stored
    stored=$(find "$dir/images" -name '*.dcm' | wc -l)
    read -r p50 p99 n < <(percentiles "$dir/log")
    echo "$rate $p50 $p99 $n $stored $all"
    rm -rf "$dir/images"
}

run_orthanc() { # set name, storescu opts..., -- files
    local name=$1
    shift
    local dir="$WORK/orthanc-$name"
    mkdir -p "$dir/storage"
    cat >"$dir/orthanc.json" <<EOF
{
  "Name": "bench",
  "StorageDirectory": "$dir/storage",
  "IndexDirectory": "$dir/storage",
  "DicomAet": "ORTHANC",
  "DicomPort": $ORTHANC_PORT,
  "HttpPort": $ORTHANC_HTTP,
  "RemoteAccessAllowed": false,
  "DicomCheckCalledAet": false,
  "StorageCompression": false,
  "Plugins": []
}
EOF
    Orthanc "$dir/orthanc.json" >"$dir/log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_port "$ORTHANC_PORT"
    local rate
    rate=$(send "orthanc-$name" ORTHANC "$ORTHANC_PORT" "$@")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir/storage"
    echo "$rate"
}

log "gateway: $COUNT uncompressed"
read -r GW_RAW GW_RAW_P50 GW_RAW_P99 GW_RAW_N GW_RAW_STORED GW_RAW_ALL < <(run_gateway raw -- "${RAW_FILES[@]}")
log "orthanc: $COUNT uncompressed"
OR_RAW=$(run_orthanc raw -- "${RAW_FILES[@]}")
log "gateway: $COUNT JPEG Lossless SV1"
read -r GW_JPG GW_JPG_P50 GW_JPG_P99 GW_JPG_N GW_JPG_STORED GW_JPG_ALL < <(run_gateway jpeg -xs -- "${JPEG_FILES[@]}")
log "orthanc: $COUNT JPEG Lossless SV1"
OR_JPG=$(run_orthanc jpeg -xs -- "${JPEG_FILES[@]}")

ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
cat <<EOF

C-STORE ingest, $COUNT images of ${COLUMNS}x${ROWS} 16-bit, one storescu association, max PDU $PDU
| set | gateway images/s | Orthanc images/s | ratio | gateway images/s until the last thumbnail | gateway thumbnail p50 / p99 (ms) | stored |
| --- | --- | --- | --- | --- | --- | --- |
| uncompressed | $GW_RAW | $OR_RAW | $(ratio "$GW_RAW" "$OR_RAW")x | $GW_RAW_ALL | $GW_RAW_P50 / $GW_RAW_P99 (n=$GW_RAW_N) | $GW_RAW_STORED |
| JPEG Lossless SV1 | $GW_JPG | $OR_JPG | $(ratio "$GW_JPG" "$OR_JPG")x | $GW_JPG_ALL | $GW_JPG_P50 / $GW_JPG_P99 (n=$GW_JPG_N) | $GW_JPG_STORED |
EOF
