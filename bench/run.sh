#!/usr/bin/env bash
# Berth vs CNCF distribution (Debian's docker-registry 2.8), side by side, in
# one run on this machine: `npm run bench`.
#
# Starts both registries on free loopback ports with fresh temp data dirs,
# drives both with the same clients (curl, wrk, ab, skopeo, openssl), prints
# the results and writes bench/out/results.json. Everything started here is
# stopped and the temp dir removed on exit, including on failure or Ctrl-C.
#
# Sections 1-6 compare the two; section 7 (Harbor's API: what pull recording
# costs, listings of 100 000 artifacts / 10 000 repositories) is Berth only.
#
# Knobs (environment): BENCH_BLOB_MIB (1024), BENCH_REPEATS (3),
# BENCH_SKOPEO_ROUNDS (5: skopeo is the noisiest figure, so it gets more runs),
# BENCH_DATA_ROOT (/tmp: where both registries keep their data; /dev/shm
# takes the disk out of the comparison and leaves CPU as the floor),
# BENCH_WRK_SECONDS (10), BENCH_IMAGE_LAYERS (4), BENCH_LAYER_MIB (64),
# BENCH_SEED_ARTIFACTS (100000), BENCH_SEED_REPOS (10000), BENCH_GC_BLOBS (1000000; 0 skips section 8),
# BENCH_GC_PUSH_SECONDS (60), BENCH_GC_SOAK_MINUTES (30; 0 skips section 9, the GC soak),
# BENCH_PROXY_SECONDS (10; 0 skips section 10, through nginx), BENCH_ONLY=proxy (section 10 alone, into bench/out/proxy.txt),
# BENCH_BERTH_NODE_FLAGS (extra node flags for Berth only, passed as
# NODE_OPTIONS to server/bin/berth, the launcher `npm start` uses; empty by default), BENCH_BREAKDOWN=1 to also run
# bench/upload-breakdown.ts (where upload time goes), BENCH_STRICT=1 to exit
# non-zero when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench
NODE=$ROOT/node_modules/.bin/node

# ---------------------------------------------------------------- install step
missing=()
for pair in curl:curl wrk:wrk ab:apache2-utils skopeo:skopeo openssl:openssl docker-registry:docker-registry sha256sum:coreutils nginx:nginx ip:iproute2; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[[ -x $NODE ]] || { echo "bench: $NODE missing; run npm ci first" >&2; exit 1; }

# Section 10 alone (it builds its own replicas, proxy and database): BENCH_ONLY=proxy npm run bench.
if [[ ${BENCH_ONLY:-} == proxy ]]; then
  mkdir -p "$BENCH/out"
  "$NODE" "$BENCH/proxy.ts" "${BENCH_PROXY_SECONDS:-10}" "${BENCH_REPEATS:-3}" >"$BENCH/out/proxy.txt"
  exit 0
fi

BLOB_MIB=${BENCH_BLOB_MIB:-1024}
REPEATS=${BENCH_REPEATS:-3}
WRK_SECONDS=${BENCH_WRK_SECONDS:-10}
IMAGE_LAYERS=${BENCH_IMAGE_LAYERS:-4}
LAYER_MIB=${BENCH_LAYER_MIB:-64}
BLOB_BYTES=$((BLOB_MIB * 1024 * 1024))
PW="Bench-$(openssl rand -hex 8)9a"
BASIC="Basic $(printf 'admin:%s' "$PW" | base64 -w0)"

# ---------------------------------------------------------------- temp + cleanup
SKOPEO_ROUNDS=${BENCH_SKOPEO_ROUNDS:-5}
TMP=$(mktemp -d "${BENCH_DATA_ROOT:-/tmp}/berth-bench.XXXXXX")
# Berth runs as root here, so its embedded PostgreSQL runs as user postgres,
# which must be able to traverse down to the data dir.
chmod 711 "$TMP"
RAW=$TMP/raw.txt
: >"$RAW"
BERTH_PID='' DIST_PID='' PG_PID=''
BERTH_DATA=$TMP/berth
DIST_DATA=$TMP/distribution

alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }
wait_gone() { # pid, tenths of a second
  local i
  for ((i = 0; i < $2; i++)); do alive "$1" || return 0; sleep 0.1; done
  return 1
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -z $PG_PID && -f $BERTH_DATA/postgres/postmaster.pid ]]; then PG_PID=$(head -1 "$BERTH_DATA/postgres/postmaster.pid"); fi
  if alive "$BERTH_PID"; then
    kill -TERM "$BERTH_PID"                       # Berth stops its PostgreSQL itself
    wait_gone "$BERTH_PID" 150 || kill -KILL "$BERTH_PID"
  fi
  if alive "$PG_PID" && [[ $(cat "/proc/$PG_PID/comm" 2>/dev/null) == postgres ]]; then
    wait_gone "$PG_PID" 50 || kill -INT "$PG_PID"  # the watchdog normally does this within 1 s
    wait_gone "$PG_PID" 100 || kill -KILL "$PG_PID"
  fi
  if alive "$DIST_PID"; then
    kill -TERM "$DIST_PID"
    wait_gone "$DIST_PID" 50 || kill -KILL "$DIST_PID"
  fi
  if ((rc != 0)); then
    echo "bench: FAILED (exit $rc)" >&2
    for log in "$TMP/berth.log" "$TMP/distribution.log"; do
      [[ -s $log ]] && { echo "--- tail of $(basename "$log")" >&2; tail -n 25 "$log" >&2; }
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "bench: $*" >&2; exit 1; }
rec() { echo "$*" >>"$RAW"; }                     # key value...
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
header() { tr -d '\r' <"$1" | grep -i "^$2:" | head -1 | cut -d' ' -f2-; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
hwm_phase() { # VmHWM of the Berth node process after a phase, to see which phase sets the peak
  rec "berth.vmhwm_phase" "$1 $(awk '/^VmHWM:/ { print $2 }' "/proc/$BERTH_PID/status")"
}
free_port() { "$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---------------------------------------------------------------- start registries
BERTH_PORT=$(free_port)
DIST_PORT=$(free_port)
while [[ $DIST_PORT == "$BERTH_PORT" ]]; do DIST_PORT=$(free_port); done
BERTH=http://127.0.0.1:$BERTH_PORT
DIST=http://127.0.0.1:$DIST_PORT
BERTH_CURL=(-u "admin:$PW")   # curl sends Basic preemptively on every request
DIST_CURL=()

mkdir -p "$DIST_DATA"
cat >"$TMP/distribution.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DIST_DATA
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$DIST_PORT
  secret: bench-$(openssl rand -hex 16)
EOF
docker-registry serve "$TMP/distribution.yml" >"$TMP/distribution.log" 2>&1 &
DIST_PID=$!

# Run from the temp dir so a berth.yml in the caller's directory is not picked up.
(
  cd "$TMP"
  exec env -u BERTH_CONFIG -u BERTH_DATABASE_URL -u BERTH_STORAGE_S3_BUCKET \
    BERTH_DATA_DIR="$BERTH_DATA" BERTH_HTTP_PORT="$BERTH_PORT" BERTH_HTTP_HOST=127.0.0.1 \
    BERTH_ADMIN_PASSWORD="$PW" BERTH_LOG_LEVEL=warn NODE_NO_WARNINGS=1 \
    PATH="$(dirname "$NODE"):$PATH" NODE_OPTIONS="${BENCH_BERTH_NODE_FLAGS:-}" "$ROOT/server/bin/berth" serve
) >"$TMP/berth.log" 2>&1 &
BERTH_PID=$!

wait_ready() { # name pid url curl-args...
  local name=$1 pid=$2 url=$3 i code
  shift 3
  for ((i = 0; i < 1200; i++)); do
    alive "$pid" || fail "$name exited during startup"
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" || true)
    [[ $code == 200 ]] && return 0
    sleep 0.1
  done
  fail "$name did not become ready in 120 s"
}
t0=$(now)
wait_ready distribution "$DIST_PID" "$DIST/v2/"
wait_ready berth "$BERTH_PID" "$BERTH/v2/" "${BERTH_CURL[@]}"
PG_PID=$(head -1 "$BERTH_DATA/postgres/postmaster.pid" 2>/dev/null || true)
log "registries up in $(calc "$(now) - $t0" 1) s: berth $BERTH (pid $BERTH_PID), distribution $DIST (pid $DIST_PID)"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$BERTH/v2/") == 401 ]] || fail "berth answered /v2/ without credentials"
# Berth, like Harbor, pushes only into existing projects.
[[ $(curl -sS -o /dev/null -w '%{http_code}' "${BERTH_CURL[@]}" -H 'Content-Type: application/json' \
  -d '{"project_name":"bench"}' "$BERTH/api/v2.0/projects") == 201 ]] || fail "could not create the bench project"
hwm_phase startup

rec meta.berth_url "$BERTH"
rec meta.distribution_url "$DIST"
rec meta.distribution_version "$(docker-registry --version 2>&1 | head -1)"
rec meta.node_version "$("$NODE" --version)"
rec meta.curl_version "$(curl --version | head -1 | cut -d' ' -f1-2)"
rec meta.skopeo_version "$(skopeo --version)"
rec meta.cpus "$(nproc)"
rec meta.cpu_model "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
rec meta.loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
rec meta.blob_bytes "$BLOB_BYTES"
rec meta.repeats "$REPEATS"
rec meta.skopeo_rounds "$SKOPEO_ROUNDS"
rec meta.data_filesystem "$(stat -f -c %T "$TMP") ($(df --output=source "$TMP" | tail -1))"
rec meta.berth_node_flags "${BENCH_BERTH_NODE_FLAGS:-}"

# ---------------------------------------------------------------- 1 GiB blob
BLOB=$TMP/blob.bin
log "generating ${BLOB_MIB} MiB of random data"
openssl rand -out "$BLOB" "$BLOB_BYTES"

# Every upload run needs a blob neither registry holds yet (both skip storing
# bytes they already have), so run k overwrites the file's last 32 bytes with
# a marker instead of generating another GiB.
VARIANT_DIGEST=''
make_variant() {
  printf '%032d' "$1" | dd of="$BLOB" bs=32 seek=$((BLOB_BYTES / 32 - 1)) conv=notrunc status=none
  local t1 t2
  t1=$(now)
  VARIANT_DIGEST=sha256:$(openssl dgst -sha256 -r "$BLOB" | cut -d' ' -f1)
  t2=$(now)
  rec openssl.mbps "$(calc "$BLOB_BYTES / ($t2 - $t1) / 1e6" 1)"
}

# 3. openssl floor (file in page cache; more samples come from make_variant)
openssl dgst -sha256 "$BLOB" >/dev/null # warm the page cache
for ((k = 0; k < REPEATS; k++)); do make_variant 0; done

UPLOAD_ARGS=(-H 'Expect:' -H 'Transfer-Encoding:' -H "Content-Length: $BLOB_BYTES" -H 'Content-Type: application/octet-stream')
# `-T -` from a redirected file streams the body without curl appending the
# file name to a URL ending in '/', and the explicit Content-Length (with
# Transfer-Encoding suppressed) keeps it a plain, non-chunked request.

verify_blob() { # who base digest curl-args...
  local who=$1 base=$2 digest=$3 len dig
  shift 3
  curl -sS -o /dev/null -D "$TMP/head.h" -I "$@" "$base/v2/bench/data/blobs/$digest"
  len=$(header "$TMP/head.h" content-length)
  dig=$(header "$TMP/head.h" docker-content-digest)
  [[ $len == "$BLOB_BYTES" && $dig == "$digest" ]] || fail "$who: HEAD after upload shows size=$len digest=$dig, want $BLOB_BYTES $digest"
}

upload_mono() { # who base digest curl-args... -> seconds
  local who=$1 base=$2 digest=$3 out code t
  shift 3
  out=$(curl -sS -o /dev/null -D "$TMP/up.h" -w '%{http_code} %{time_total}' "$@" "${UPLOAD_ARGS[@]}" -X POST -T - "$base/v2/bench/data/blobs/uploads/?digest=$digest" <"$BLOB")
  read -r code t <<<"$out"
  [[ $code == 201 ]] || fail "$who: monolithic POST answered $code"
  [[ $(header "$TMP/up.h" docker-content-digest) == "$digest" ]] || fail "$who: POST returned the wrong Docker-Content-Digest"
  verify_blob "$who" "$base" "$digest" "$@"
  echo "$t"
}

upload_post_put() { # who base digest curl-args... -> seconds (POST + PUT)
  local who=$1 base=$2 digest=$3 out code t1 t2 loc sep
  shift 3
  out=$(curl -sS -o /dev/null -D "$TMP/post.h" -w '%{http_code} %{time_total}' "$@" -X POST "$base/v2/bench/data/blobs/uploads/")
  read -r code t1 <<<"$out"
  [[ $code == 202 ]] || fail "$who: POST upload start answered $code"
  loc=$(header "$TMP/post.h" location)
  [[ $loc == /* ]] && loc=$base$loc
  sep='?'
  [[ $loc == *'?'* ]] && sep='&'
  out=$(curl -sS -o /dev/null -D "$TMP/up.h" -w '%{http_code} %{time_total}' "$@" "${UPLOAD_ARGS[@]}" -X PUT -T - "$loc${sep}digest=$digest" <"$BLOB")
  read -r code t2 <<<"$out"
  [[ $code == 201 ]] || fail "$who: PUT with body answered $code"
  [[ $(header "$TMP/up.h" docker-content-digest) == "$digest" ]] || fail "$who: PUT returned the wrong Docker-Content-Digest"
  verify_blob "$who" "$base" "$digest" "$@"
  calc "$t1 + $t2" 6
}

mbps() { calc "$BLOB_BYTES / $1 / 1e6" 1; }

run_berth_mono() {
  sync
  local t; t=$(upload_mono berth "$BERTH" "$VARIANT_DIGEST" "${BERTH_CURL[@]}")
  rec berth.upload_mono.mbps "$(mbps "$t")"
  log "  berth  POST ?digest=   $(mbps "$t") MB/s (${t} s)"
}
run_dist_mono() {
  sync
  local t; t=$(upload_post_put distribution "$DIST" "$VARIANT_DIGEST")
  rec distribution.upload_mono.mbps "$(mbps "$t")"
  log "  distr. POST + PUT      $(mbps "$t") MB/s (${t} s)"
}
run_berth_post_put() {
  sync
  local t; t=$(upload_post_put berth "$BERTH" "$VARIANT_DIGEST" "${BERTH_CURL[@]}")
  rec berth.upload_post_put.mbps "$(mbps "$t")"
  log "  berth  POST + PUT      $(mbps "$t") MB/s (${t} s)"
}

# 1. uploads. Runs alternate which registry goes first; `sync` before each run
# so writeback of earlier runs (or of the variant just written) does not land
# on the next run's time. Both registries fsync the blob before answering 201.
dd_floor() { # the disk's durable-write speed right now: copy the blob with dd conv=fsync
  local t1 t2
  sync
  t1=$(now)
  dd if="$BLOB" of="$TMP/dd.bin" bs=1M conv=fsync status=none
  t2=$(now)
  rm -f "$TMP/dd.bin"
  rec disk.dd_fsync.mbps "$(calc "$BLOB_BYTES / ($t2 - $t1) / 1e6" 1)"
  log "  disk   dd conv=fsync   $(calc "$BLOB_BYTES / ($t2 - $t1) / 1e6" 1) MB/s"
}

log "1. monolithic upload of ${BLOB_MIB} MiB, $REPEATS runs each"
# One untimed upload to each first: the first GiB written after a pause is
# often much faster on this VM's disk, which would favour whoever goes first.
make_variant 101
sync
upload_mono berth "$BERTH" "$VARIANT_DIGEST" "${BERTH_CURL[@]}" >/dev/null
make_variant 102
sync
upload_post_put distribution "$DIST" "$VARIANT_DIGEST" >/dev/null
log "  (warm-up upload to each registry done)"
for ((k = 1; k <= REPEATS; k++)); do
  dd_floor
  make_variant "$((2 * k - 1))"
  if ((k % 2)); then run_berth_mono; run_dist_mono; else run_dist_mono; run_berth_mono; fi
  DOWNLOAD_DIGEST=$VARIANT_DIGEST
  make_variant "$((2 * k))"
  run_berth_post_put
done
sync
hwm_phase uploads

# 2. downloads of a blob both registries hold (the last monolithic upload)
download() { # who base digest curl-args... -> seconds
  local who=$1 base=$2 digest=$3 out code size t
  shift 3
  out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$@" "$base/v2/bench/data/blobs/$digest")
  read -r code size t <<<"$out"
  [[ $code == 200 && $size == "$BLOB_BYTES" ]] || fail "$who: GET answered $code with $size bytes"
  echo "$t"
}
log "2. download of ${BLOB_MIB} MiB to /dev/null, $REPEATS runs each (blob in page cache for both)"
for ((k = 1; k <= REPEATS; k++)); do
  for who in $( ((k % 2)) && echo "berth distribution" || echo "distribution berth"); do
    if [[ $who == berth ]]; then t=$(download berth "$BERTH" "$DOWNLOAD_DIGEST" "${BERTH_CURL[@]}")
    else t=$(download distribution "$DIST" "$DOWNLOAD_DIGEST"); fi
    rec "$who.download.mbps" "$(mbps "$t")"
    log "  $(printf '%-12s' "$who") $(mbps "$t") MB/s (${t} s)"
  done
done
got=$(curl -sS "${BERTH_CURL[@]}" "$BERTH/v2/bench/data/blobs/$DOWNLOAD_DIGEST" | sha256sum | cut -d' ' -f1)
[[ sha256:$got == "$DOWNLOAD_DIGEST" ]] || fail "berth: downloaded bytes hash to sha256:$got, want $DOWNLOAD_DIGEST"
got=$(curl -sS "$DIST/v2/bench/data/blobs/$DOWNLOAD_DIGEST" | sha256sum | cut -d' ' -f1)
[[ sha256:$got == "$DOWNLOAD_DIGEST" ]] || fail "distribution: downloaded bytes hash to sha256:$got, want $DOWNLOAD_DIGEST"
rec check.download_sha256 ok
log "  sha256 of both downloads verified (separate, untimed runs through sha256sum)"
hwm_phase downloads
if [[ ${BENCH_BREAKDOWN:-} == 1 ]]; then
  log "   upload breakdown (diagnostic, no registry involved)"
  "$NODE" "$BENCH/upload-breakdown.ts" "$BLOB" "$REPEATS" "$TMP" | sed 's/^/    /'
fi
rm -f "$BLOB"

# 4. small image, then request rates
SMALL=$TMP/small
mkdir -p "$SMALL/rootfs/etc"
openssl rand -out "$SMALL/rootfs/etc/data.bin" 4096
tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$SMALL/rootfs" -cf - etc | gzip -n >"$SMALL/layer.tar.gz"
LAYER_DIGEST=sha256:$(openssl dgst -sha256 -r "$SMALL/layer.tar.gz" | cut -d' ' -f1)
DIFF_ID=sha256:$(gzip -dc "$SMALL/layer.tar.gz" | openssl dgst -sha256 -r | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$DIFF_ID" >"$SMALL/config.json"
CONFIG_DIGEST=sha256:$(openssl dgst -sha256 -r "$SMALL/config.json" | cut -d' ' -f1)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
  "$CONFIG_DIGEST" "$(stat -c %s "$SMALL/config.json")" "$LAYER_DIGEST" "$(stat -c %s "$SMALL/layer.tar.gz")" >"$SMALL/manifest.json"
MANIFEST_DIGEST=sha256:$(openssl dgst -sha256 -r "$SMALL/manifest.json" | cut -d' ' -f1)
OCI_MANIFEST='application/vnd.oci.image.manifest.v1+json'
rec meta.small_blob_bytes "$(stat -c %s "$SMALL/config.json")"

push_small() { # who base repository curl-args...
  local who=$1 base=$2 repo=$3 file digest loc sep code
  shift 3
  for file in config.json layer.tar.gz; do
    digest=sha256:$(openssl dgst -sha256 -r "$SMALL/$file" | cut -d' ' -f1)
    code=$(curl -sS -o /dev/null -D "$TMP/post.h" -w '%{http_code}' "$@" -X POST "$base/v2/$repo/blobs/uploads/")
    [[ $code == 202 ]] || fail "$who: POST for $file answered $code"
    loc=$(header "$TMP/post.h" location)
    [[ $loc == /* ]] && loc=$base$loc
    sep='?'
    [[ $loc == *'?'* ]] && sep='&'
    code=$(curl -sS -o /dev/null -w '%{http_code}' "$@" -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$SMALL/$file" "$loc${sep}digest=$digest")
    [[ $code == 201 ]] || fail "$who: PUT for $file answered $code"
  done
  code=$(curl -sS -o /dev/null -D "$TMP/man.h" -w '%{http_code}' "$@" -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary "@$SMALL/manifest.json" "$base/v2/$repo/manifests/v1")
  [[ $code == 201 ]] || fail "$who: manifest PUT answered $code"
  [[ $(header "$TMP/man.h" docker-content-digest) == "$MANIFEST_DIGEST" ]] || fail "$who: manifest PUT returned the wrong digest"
  [[ $(curl -sS "$@" -H "Accept: $OCI_MANIFEST" "$base/v2/$repo/manifests/v1" | openssl dgst -sha256 -r | cut -d' ' -f1) == "${MANIFEST_DIGEST#sha256:}" ]] ||
    fail "$who: manifest GET returned different bytes"
}
push_small berth "$BERTH" bench/small "${BERTH_CURL[@]}"
push_small distribution "$DIST" bench/small
rec check.small_image ok

# wrk prints "Non-2xx or 3xx responses: N" and "Socket errors: ..." only when non-zero.
WRK_REQUESTS=0 # requests the last run_wrk completed, warm-up included
run_wrk() { # who key url headers...
  local who=$1 key=$2 url=$3 out rps non2xx sockerr total warm
  shift 3
  local hdr=() h
  for h in "$@"; do hdr+=(-H "$h"); done
  warm=$(wrk -t2 -c32 -d2s "${hdr[@]}" "$url" | awk '/requests in/ { print $1 }') # warm-up (JIT, connection pools)
  out=$(wrk -t2 -c32 -d"${WRK_SECONDS}s" "${hdr[@]}" "$url")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  total=$(awk '/requests in/ { print $1 }' <<<"$out")
  non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' <<<"$out")
  sockerr=$(awk '/Socket errors/ { gsub(/[^0-9 ]/, " "); s = 0; for (i = 1; i <= NF; i++) s += $i; print s }' <<<"$out")
  rec "$who.$key.rps" "$rps"
  rec "$who.$key.requests" "$total"
  rec "$who.$key.non2xx" "${non2xx:-0}"
  rec "$who.$key.socket_errors" "${sockerr:-0}"
  WRK_REQUESTS=$((warm + total))
  log "  $(printf '%-12s' "$who") $key: $rps req/s ($total requests, non-2xx ${non2xx:-0}, socket errors ${sockerr:-0})"
}
# wrk 4.1 cannot measure HEAD: its parser is not told the request was HEAD
# and waits for the Content-Length body that never comes (0 requests
# complete). ab -i does HEAD properly, so blob HEAD uses ab (-k keep-alive,
# 32 concurrent, same duration), the same client for both registries.
run_ab_head() { # who url headers...
  local who=$1 url=$2 out rps total failed non2xx
  shift 2
  local hdr=() h
  for h in "$@"; do hdr+=(-H "$h"); done
  ab -q -k -i -c 32 -t 2 -n 100000000 "${hdr[@]}" "$url" >/dev/null 2>&1 || true # warm-up
  out=$(ab -q -k -i -c 32 -t "$WRK_SECONDS" -n 100000000 "${hdr[@]}" "$url" 2>&1)
  rps=$(awk '/^Requests per second:/ { print $4 }' <<<"$out")
  total=$(awk '/^Complete requests:/ { print $3 }' <<<"$out")
  failed=$(awk '/^Failed requests:/ { print $3 }' <<<"$out")
  non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' <<<"$out")
  rec "$who.blob_head.rps" "$rps"
  rec "$who.blob_head.requests" "$total"
  rec "$who.blob_head.non2xx" "$(( ${non2xx:-0} + ${failed:-0} ))"
  log "  $(printf '%-12s' "$who") blob_head: $rps req/s ($total requests, non-2xx ${non2xx:-0}, failed ${failed:-0})"
}

log "4. request rates: wrk -t2 -c32 -d${WRK_SECONDS}s (after a 2 s warm-up); HEAD via ab -k -i -c32"
for who in berth distribution; do
  if [[ $who == berth ]]; then base=$BERTH auth=("Authorization: $BASIC"); else base=$DIST auth=(); fi
  run_wrk "$who" manifest_get "$base/v2/bench/small/manifests/v1" "${auth[@]}" "Accept: $OCI_MANIFEST"
  run_ab_head "$who" "$base/v2/bench/small/blobs/$LAYER_DIGEST" "${auth[@]}"
  run_wrk "$who" small_blob_get "$base/v2/bench/small/blobs/$CONFIG_DIGEST" "${auth[@]}"
done
hwm_phase request_rates

# 5. skopeo push and pull of a (layers x layer MiB) image
# One fresh image per push round (its layers are new to both registries), pushed to both in alternating order.
log "5. skopeo: building $SKOPEO_ROUNDS ${IMAGE_LAYERS}x${LAYER_MIB} MiB OCI images (tar layers in level-0 gzip)"
IMGS=()
for ((k = 1; k <= SKOPEO_ROUNDS; k++)); do
  IMGS[k]=$(cd "$TMP" && "$NODE" "$BENCH/make-oci-image.ts" "$TMP/oci-$k" v1 "$IMAGE_LAYERS" "$LAYER_MIB" 2>/dev/null)
done
rec meta.image_bytes "$(du -sb "$TMP/oci-1/blobs" | cut -f1)"

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # who -> CPU (user + system) the registry has used so far. Berth's
  # includes its PostgreSQL, whose backends do its database work: the
  # postmaster with its reaped children and every live backend.
  if [[ $1 == distribution ]]; then awk '{ print $14 + $15 }' "/proc/$DIST_PID/stat"; return; fi
  local total p
  total=$(awk '{ print $14 + $15 }' "/proc/$BERTH_PID/stat")
  if [[ -n $PG_PID ]]; then
    total=$((total + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PG_PID/stat")))
    for p in $(cat "/proc/$PG_PID/task/$PG_PID/children" 2>/dev/null); do
      total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
  fi
  echo "$total"
}
skopeo_push() { # who image-dir expected-digest
  local who=$1 dir=$2 want=$3 base creds=() auth=() t1 t2 got c1 c2
  if [[ $who == berth ]]; then base=$BERTH creds=(--dest-creds "admin:$PW"); else base=$DIST; fi
  sync
  c1=$(cpu_ticks "$who")
  t1=$(now)
  skopeo copy -q --retry-times 0 --dest-tls-verify=false "${creds[@]}" "oci:$dir:v1" "docker://${base#http://}/bench/img:$(basename "$dir")" >"$TMP/skopeo.log" 2>&1 ||
    { cat "$TMP/skopeo.log" >&2; fail "$who: skopeo push failed"; }
  t2=$(now)
  c2=$(cpu_ticks "$who")
  if [[ $who == berth ]]; then auth=("${BERTH_CURL[@]}"); else auth=(); fi
  curl -sS -o /dev/null -D "$TMP/img.h" -I "${auth[@]}" -H "Accept: $OCI_MANIFEST" "$base/v2/bench/img/manifests/$(basename "$dir")"
  got=$(header "$TMP/img.h" docker-content-digest)
  [[ $got == "$want" ]] || fail "$who: pushed manifest digest $got, want $want (did skopeo recompress?)"
  rec "$who.skopeo_push.seconds" "$(calc "$t2 - $t1")"
  rec "$who.skopeo_push.cpu_seconds" "$(calc "($c2 - $c1) / $CLK_TCK" 2)"
  log "  $(printf '%-12s' "$who") push $(basename "$dir"): $(calc "$t2 - $t1") s, registry CPU $(calc "($c2 - $c1) / $CLK_TCK" 2) s"
}
skopeo_pull() { # who tag expected-digest run
  local who=$1 tag=$2 want=$3 base creds=() t1 t2 dest=$TMP/pull-$1-$4 got
  if [[ $who == berth ]]; then base=$BERTH creds=(--src-creds "admin:$PW"); else base=$DIST; fi
  rm -rf "$dest"
  sync
  t1=$(now)
  skopeo copy -q --retry-times 0 --src-tls-verify=false "${creds[@]}" "docker://${base#http://}/bench/img:$tag" "oci:$dest:v1" >"$TMP/skopeo.log" 2>&1 ||
    { cat "$TMP/skopeo.log" >&2; fail "$who: skopeo pull failed"; }
  t2=$(now)
  got=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$dest/index.json" | head -1 | cut -d'"' -f4)
  [[ $got == "$want" ]] || fail "$who: pulled manifest $got, want $want"
  # skopeo checks every blob's digest while copying; also check nothing is missing.
  [[ $(ls "$dest/blobs/sha256" | wc -l) == $((IMAGE_LAYERS + 2)) ]] || fail "$who: pulled layout is missing blobs"
  rm -rf "$dest"
  rec "$who.skopeo_pull.seconds" "$(calc "$t2 - $t1")"
  log "  $(printf '%-12s' "$who") pull #$4: $(calc "$t2 - $t1") s"
}
for ((k = 1; k <= SKOPEO_ROUNDS; k++)); do
  if ((k % 2)); then order="berth distribution"; else order="distribution berth"; fi
  for who in $order; do skopeo_push "$who" "$TMP/oci-$k" "${IMGS[k]}"; done
done
for ((k = 1; k <= SKOPEO_ROUNDS; k++)); do
  if ((k % 2)); then order="berth distribution"; else order="distribution berth"; fi
  for who in $order; do skopeo_pull "$who" oci-1 "${IMGS[1]}" "$k"; done
done
rec check.skopeo ok
hwm_phase skopeo

# 6. peak RSS (VmHWM) of the Berth node process (not its PostgreSQL) and of distribution
alive "$BERTH_PID" || fail "berth died during the run"
alive "$DIST_PID" || fail "distribution died during the run"
rec berth.vmhwm_kib "$(awk '/^VmHWM:/ { print $2 }' "/proc/$BERTH_PID/status")"
rec berth.vmrss_kib "$(awk '/^VmRSS:/ { print $2 }' "/proc/$BERTH_PID/status")"
rec distribution.vmhwm_kib "$(awk '/^VmHWM:/ { print $2 }' "/proc/$DIST_PID/status")"
rec distribution.vmrss_kib "$(awk '/^VmRSS:/ { print $2 }' "/proc/$DIST_PID/status")"
pg_rss=0
if [[ -n $PG_PID ]]; then
  for p in $PG_PID $(cat "/proc/$PG_PID/task/$PG_PID/children" 2>/dev/null); do
    pg_rss=$((pg_rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
fi
rec berth.postgres_rss_kib "$pg_rss"

# 7. Harbor API, Berth only (distribution has no such API). It runs after the
# peak RSS reading above, so the figures of sections 1-6 stay as they were.
API=$BERTH/api/v2.0
json() { # JS expression over the JSON document `j` read from stdin
  "$NODE" -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const j = JSON.parse(s); console.log(eval(process.argv[1])); });' "$1"
}
total_count() { # path -> X-Total-Count
  curl -sS -o /dev/null -D "$TMP/total.h" "${BERTH_CURL[@]}" "$API/$1"
  header "$TMP/total.h" x-total-count
}

# 7a. What Harbor's pull recording (pull_count, pull_time, pull audit events;
# written in batches off the pull path) costs manifest GETs: switched off and
# on through PUT /configurations, alternating, best run of each compared.
set_pull_recording() { # on|off
  local disable=true code
  [[ $1 == on ]] && disable=false
  code=$(curl -sS -o /dev/null -w '%{http_code}' "${BERTH_CURL[@]}" -X PUT -H 'Content-Type: application/json' \
    -d "{\"pull_time_update_disable\":$disable,\"pull_count_update_disable\":$disable,\"pull_audit_log_disable\":$disable}" "$API/configurations")
  [[ $code == 200 ]] || fail "PUT /configurations answered $code"
}
pull_count() { curl -sS "${BERTH_CURL[@]}" "$API/projects/bench/repositories/small" | json j.pull_count; }
pull_events() { total_count 'audit-logs?q=operation%3Dpull&page_size=1'; }
PULL_ROUNDS=$((REPEATS > 2 ? REPEATS : 2))
sleep 2.5 # skopeo's last pulls are still being recorded (once a second)
log "7. Harbor API (berth only). 7a: manifest GET with pull recording off / on, $PULL_ROUNDS rounds, wrk as in 4"
for ((k = 1; k <= PULL_ROUNDS; k++)); do
  for mode in off on; do
    set_pull_recording "$mode"
    count0=$(pull_count) events0=$(pull_events)
    run_wrk berth "manifest_get_recording_$mode" "$BERTH/v2/bench/small/manifests/v1" "Authorization: $BASIC" "Accept: $OCI_MANIFEST"
    sleep 2.5 # the recorders flush once a second
    count1=$(pull_count) events1=$(pull_events)
    rec "api.pull_recording_$mode.requests" "$WRK_REQUESTS"
    rec "api.pull_recording_$mode.pull_count_delta" "$((count1 - count0))"
    rec "api.pull_recording_$mode.audit_delta" "$((events1 - events0))"
    log "    served $WRK_REQUESTS pulls (warm-up included): pull_count +$((count1 - count0)), pull audit events +$((events1 - events0))"
  done
done
[[ $(curl -sS "${BERTH_CURL[@]}" "$API/projects/bench/repositories/small/artifacts/v1" | json j.pull_time) != null ]] || fail "berth: pull_time of bench/small:v1 not set"
hwm_phase pull_recording

# 7b. Listings at scale: 100 000 artifacts in one repository and 10 000
# repositories in one project, seeded straight into PostgreSQL after one real
# push (bench/seed-artifacts.ts), then paged through the API as Harbor's
# portal does, 4 concurrent clients.
SEED_ARTIFACTS=${BENCH_SEED_ARTIFACTS:-100000}
SEED_REPOS=${BENCH_SEED_REPOS:-10000}
PAGE_SIZE=15
rec meta.seed_artifacts "$SEED_ARTIFACTS"
rec meta.seed_repositories "$SEED_REPOS"
[[ $(curl -sS -o /dev/null -w '%{http_code}' "${BERTH_CURL[@]}" -H 'Content-Type: application/json' \
  -d '{"project_name":"bench-repos"}' "$API/projects") == 201 ]] || fail "could not create the bench-repos project"
push_small berth "$BERTH" bench/many "${BERTH_CURL[@]}"
log "  7b: seeding $SEED_ARTIFACTS artifacts into bench/many and $SEED_REPOS repositories into bench-repos"
t1=$(now)
"$NODE" "$BENCH/seed-artifacts.ts" "$BERTH_DATA" bench/many "$SEED_ARTIFACTS" bench-repos "$SEED_REPOS" | sed 's/^/    /'
rec meta.seed_seconds "$(calc "$(now) - $t1" 1)"

# Deep pages three quarters of the way in: OFFSET makes the database walk
# every row before the page, so cost grows with the page number.
DEEP_ARTIFACTS=$((SEED_ARTIFACTS * 3 / 4 / PAGE_SIZE))
DEEP_REPOS=$((SEED_REPOS * 3 / 4 / PAGE_SIZE))
rec meta.deep_page_artifacts "$DEEP_ARTIFACTS"
rec meta.deep_page_repositories "$DEEP_REPOS"
ARTIFACTS_PATH="projects/bench/repositories/many/artifacts?page_size=$PAGE_SIZE&sort=-push_time"
REPOS_PATH="projects/bench-repos/repositories?page_size=$PAGE_SIZE"
check_page() { # key path expected-total JS-check-of-body
  local body total
  body=$(curl -sS -D "$TMP/page.h" "${BERTH_CURL[@]}" "$API/$2")
  total=$(header "$TMP/page.h" x-total-count)
  rec "api.list.$1.total_count" "$total"
  [[ $total == "$3" ]] || fail "berth: $2 answered X-Total-Count $total, want $3"
  [[ $(json "$4" <<<"$body") == true ]] || fail "berth: $2 returned the wrong page ($4)"
}
# The newest artifact is the one pushed; seeded build-N were pushed 5 minutes apart, N=SEED_ARTIFACTS newest.
check_page artifacts_first "$ARTIFACTS_PATH&page=1" "$SEED_ARTIFACTS" "j.length === $PAGE_SIZE && j[0].tags[0].name === 'v1'"
check_page artifacts_deep "$ARTIFACTS_PATH&page=$DEEP_ARTIFACTS" "$SEED_ARTIFACTS" \
  "j.length === $PAGE_SIZE && j[0].tags[0].name === 'build-' + String($SEED_ARTIFACTS + 1 - ($DEEP_ARTIFACTS - 1) * $PAGE_SIZE).padStart(6, '0')"
check_page repositories_first "$REPOS_PATH&page=1" "$SEED_REPOS" "j.length === $PAGE_SIZE && j[0].name === 'bench-repos/svc-00001' && j[0].artifact_count === 1"
check_page repositories_deep "$REPOS_PATH&page=$DEEP_REPOS" "$SEED_REPOS" \
  "j.length === $PAGE_SIZE && j[0].name === 'bench-repos/svc-' + String(($DEEP_REPOS - 1) * $PAGE_SIZE + 1).padStart(5, '0')"
rec check.listings ok

run_ab_list() { # key path
  local out p50 p95 rps non2xx errors
  ab -q -k -c 4 -n 40 -H "Authorization: $BASIC" "$API/$2" >/dev/null 2>&1 || true # warm-up
  out=$(ab -q -k -c 4 -n 300 -H "Authorization: $BASIC" "$API/$2" 2>&1) || { echo "$out" >&2; fail "ab failed on $2"; }
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p95=$(awk '$1 == "95%" { print $2 }' <<<"$out")
  rps=$(awk '/^Requests per second:/ { print $4 }' <<<"$out")
  non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' <<<"$out")
  # ab counts a body of another length than the first as failed; only connection errors matter here.
  errors=$(sed -n 's/.*(Connect: \([0-9]*\), Receive: \([0-9]*\), Length: [0-9]*, Exceptions: \([0-9]*\)).*/\1 \2 \3/p' <<<"$out" | awk '{ print $1 + $2 + $3 }')
  rec "api.list.$1.p50_ms" "$p50"
  rec "api.list.$1.p95_ms" "$p95"
  rec "api.list.$1.rps" "$rps"
  rec "api.list.$1.non2xx" "$(( ${non2xx:-0} + ${errors:-0} ))"
  # One client at a time: the time a request takes when it waits for nothing else (informational).
  out=$(ab -q -k -c 1 -n 50 -H "Authorization: $BASIC" "$API/$2" 2>&1) || { echo "$out" >&2; fail "ab failed on $2"; }
  rec "api.list.$1.c1_p50_ms" "$(awk '$1 == "50%" { print $2 }' <<<"$out")"
  log "    $(printf '%-20s' "$1") p50 $p50 ms, p95 $p95 ms, $rps req/s (non-2xx ${non2xx:-0}, errors ${errors:-0}); alone: p50 $(awk '$1 == "50%" { print $2 }' <<<"$out") ms"
}
log "  7b: ab -k -c 4 -n 300 per listing (after 40 warm-up requests), then -c 1 -n 50, as admin"
run_ab_list artifacts_first "$ARTIFACTS_PATH&page=1"
run_ab_list artifacts_deep "$ARTIFACTS_PATH&page=$DEEP_ARTIFACTS"
run_ab_list repositories_first "$REPOS_PATH&page=1"
run_ab_list repositories_deep "$REPOS_PATH&page=$DEEP_REPOS"
hwm_phase listings
alive "$BERTH_PID" || fail "berth died during the API section"
# 8. Garbage collection (berth only): bench/gc.ts seeds BENCH_GC_BLOBS blobs (10 % referenced), measures
# push throughput, then runs `berth gc` beside the server and pushes meanwhile. BENCH_GC_BLOBS=0 skips it.
GC_BLOBS=${BENCH_GC_BLOBS:-1000000}
if ((GC_BLOBS > 0)); then
  log "8. Garbage collection (berth only): $GC_BLOBS seeded blobs, berth gc beside the server, pushes with and without it"
  "$NODE" "$BENCH/gc.ts" "$BERTH_DATA" "$BERTH" "$BASIC" "$GC_BLOBS" "${BENCH_GC_PUSH_SECONDS:-60}" >>"$RAW" || fail "the GC bench failed"
  alive "$BERTH_PID" || fail "berth died during the GC section"
fi
# 9. The GC soak (berth only): bench/gc-soak.ts, clients pushing, pulling and deleting while berth gc runs back to
# back with a zero time window, then the invariant check. BENCH_GC_SOAK_MINUTES (30; 0 skips it).
GC_SOAK_MINUTES=${BENCH_GC_SOAK_MINUTES:-30}
if [[ $GC_SOAK_MINUTES != 0 ]]; then
  log "9. GC soak (berth only): $GC_SOAK_MINUTES min of pushes, pulls and deletes beside back-to-back collections"
  "$NODE" "$BENCH/gc-soak.ts" "$BERTH_DATA" "$BERTH" "$BASIC" "$GC_SOAK_MINUTES" >>"$RAW" || fail "the GC soak failed"
  alive "$BERTH_PID" || fail "berth died during the GC soak"
fi
# 10. Through nginx (berth only): two replicas vs one, and the proxy hop against a direct connection
# (bench/proxy.ts, its own replicas in network namespaces; needs root). BENCH_PROXY_SECONDS (10; 0 skips it).
if [[ ${BENCH_PROXY_SECONDS:-10} != 0 ]]; then
  "$NODE" "$BENCH/proxy.ts" "${BENCH_PROXY_SECONDS:-10}" "$REPEATS" >>"$RAW" 2> >(sed 's/^/  /' >&2) || fail "the proxy bench failed"
fi
rec meta.loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
rec meta.wall_seconds "$(calc "$(now) - $t0" 0)"

mkdir -p "$BENCH/out"
cp "$RAW" "$BENCH/out/raw.txt" # node bench/report.ts bench/out/raw.txt bench/out/results.json re-renders
"$NODE" "$BENCH/report.ts" "$RAW" "$BENCH/out/results.json"
