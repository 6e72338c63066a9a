#!/usr/bin/env bash
# adhoc.sh [-n HOSTS] [-r RUNS] — `drover run -i inventory.yml lab -- uname -r` against the floor
# program with -k 1 (one connection and one exec per host), alternating, on the lab fleet of
# ../shared/bench (needs root). Prints median wall time, peak RSS and the ratio floor/drover.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
shared=${SHARED_BENCH:-$repo/../shared/bench}
LAB=${LAB:-/tmp/lab}; export LAB
hosts=50; runs=7
while getopts n:r: o; do case $o in n) hosts=$OPTARG;; r) runs=$OPTARG;; *) exit 2;; esac; done
"$shared/fleet.sh" up "$hosts" >/dev/null
head -n "$hosts" "$LAB/hosts.txt" > "$LAB/hosts.run"
(cd "$shared/floor" && go build -o "$LAB/floor" .)
(cd "$repo" && go build -o "$LAB/drover" ./cmd/drover)
pattern="lab[0:$((hosts - 1))]"
declare -A cmd=(
  [floor]="$LAB/floor -hosts $LAB/hosts.run -key $LAB/id_ed25519 -known $LAB/known_hosts -k 1"
  [drover]="$LAB/drover run -i $LAB/inventory.yml '$pattern' -f $hosts -- uname -r"
)
declare -A wall rss
for _ in $(seq 1 "$runs"); do
  for c in floor drover; do
    /usr/bin/time -f '%e %M' -o "$LAB/$c.time" bash -c "${cmd[$c]}" >/dev/null 2>"$LAB/$c.err" ||
      echo "$c failed; see $LAB/$c.err" >&2
    out=$(tail -1 "$LAB/$c.time")
    wall[$c]+="${out% *} "; rss[$c]+="${out#* } "
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fw=$(echo "${wall[floor]}" | median); dw=$(echo "${wall[drover]}" | median)
printf '%-7s %9s %12s   (%d hosts, %d runs, uname -r)\n' contestant median_s peak_rss_kb "$hosts" "$runs"
for c in floor drover; do printf '%-7s %9s %12s\n' "$c" "$(echo "${wall[$c]}" | median)" "$(echo "${rss[$c]}" | median)"; done
echo "floor/drover: $(echo "scale=2; $fw / $dw" | bc)x (above 1: drover is faster)"
