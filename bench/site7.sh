#!/usr/bin/env bash
# site7.sh [-n "50 200 1000"] [-r RUNS] [-T TIMEOUT] [-d DROVER] — site7 (../shared/bench/ansible/site.yml)
# on the lab fleet of ../shared/bench (needs root), side by side in one run at each host count N:
#   floor-exec   the floor program: one connection per host, one exec per task
#   floor-shell  the floor program: one connection per host, all seven commands through one shell
#   drover       drover play -f N on the N hosts
#   drover+1     the same with one silent host more in the inventory (-f N+1)
# in turn each round, the hosts' state reset before every run. The silent host accepts TCP connections and
# never sends a byte: drover must report it unreachable, and within its connect timeout (-T, default 10 s),
# however many hosts wait to connect (its run takes that timeout at least: each task waits for every host).
# Prints per N and contestant the median wall time, the median peak RSS (/usr/bin/time %M), the hosts
# reported unreachable over all runs (the silent one apart), and drover's ratios to both floors (wall and
# RSS); then how long the silent host was waited for, and the load average before and
# after. Outputs stay in the work directory it prints.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
shared=${SHARED_BENCH:-$repo/../shared/bench}
[ -d "$shared" ] || shared=$repo/../../shared/bench # from a worktree under ../wt
LAB=${LAB:-/tmp/lab}; export LAB
counts="50 200 1000"; runs=3; timeout=10; drover=""
while getopts n:r:T:d: o; do
  case $o in n) counts=$OPTARG;; r) runs=$OPTARG;; T) timeout=$OPTARG;; d) drover=$OPTARG;; *) exit 2;; esac
done
export PATH=/usr/local/go/bin:$PATH
work=$(mktemp -d /tmp/site7.XXXXXX)
max=$(tr ' ' '\n' <<<"$counts" | sort -n | tail -1)
"$shared/fleet.sh" up "$max" >/dev/null
(cd "$shared/floor" && go build -o "$work/floor" .)
if [ -z "$drover" ]; then (cd "$repo" && go build -o "$work/drover" ./cmd/drover); drover=$work/drover; fi

# The run's own host lists, made from the fleet's host keys (other users of the fleet rewrite
# $LAB/inventory.yml and hosts.txt to their own size).
addr() { echo "127.0.$((1 + ($1 - 1) / 250)).$((1 + ($1 - 1) % 250))"; }
: > "$work/known_hosts"
for i in $(seq 1 "$max"); do
  echo "[$(addr "$i")]:2222 $(cut -d' ' -f1,2 "$LAB/hosts/h$i/host_key.pub")" >> "$work/known_hosts"
done

# The silent host: logs "accepted closed" (epoch seconds) for each connection once the client hangs up.
cat > "$work/silent.py" <<'PY'
import socket, sys, threading, time
ln = socket.socket(); ln.bind(("127.0.0.1", 0)); ln.listen(64)
print(ln.getsockname()[1], flush=True)
log = open(sys.argv[1], "a", buffering=1)
def hold(c, t0):
    while c.recv(4096):
        pass
    log.write("%.3f %.3f\n" % (t0, time.time()))
while True:
    c, _ = ln.accept()
    threading.Thread(target=hold, args=(c, time.time()), daemon=True).start()
PY
python3 "$work/silent.py" "$work/silent.log" > "$work/silent.port" &
silent_pid=$!
trap 'kill $silent_pid 2>/dev/null || true' EXIT
while [ ! -s "$work/silent.port" ]; do sleep 0.1; done
silent_port=$(cat "$work/silent.port")

hostfiles() { # hostfiles N: hosts.N (floor), inventory.N.yml (drover) and inventory.N+1.yml (with the silent host)
  local n=$1 i
  : > "$work/hosts.$n"
  printf 'all:\n  vars:\n    lab_dir: %s\n    ansible_ssh_private_key_file: %s/id_ed25519\n    ansible_ssh_common_args: "-o UserKnownHostsFile=%s/known_hosts -o StrictHostKeyChecking=yes"\n  children:\n    lab:\n      hosts:\n' \
    "$LAB" "$LAB" "$work" > "$work/inventory.$n.yml"
  for i in $(seq 1 "$n"); do
    echo "lab$i@$(addr "$i"):2222" >> "$work/hosts.$n"
    printf '        h%d: {ansible_host: %s, ansible_port: 2222, ansible_user: lab%d}\n' "$i" "$(addr "$i")" "$i" >> "$work/inventory.$n.yml"
  done
  cp "$work/inventory.$n.yml" "$work/inventory.$n+1.yml"
  printf '        silent: {ansible_host: 127.0.0.1, ansible_port: %s, ansible_user: lab1}\n' "$silent_port" >> "$work/inventory.$n+1.yml"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
contestants=(floor-exec floor-shell drover drover+1)
printf 'site7 on the lab fleet, %s runs each, connect timeout %ss; load average before: %s\n' "$runs" "$timeout" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'work directory: %s\n\n' "$work"
printf '%6s %-12s %9s %9s %12s %14s\n' hosts contestant wall_s rss_mib unreachable ratio
for n in $counts; do
  hostfiles "$n"
  declare -A cmd=(
    [floor-exec]="$work/floor -hosts $work/hosts.$n -key $LAB/id_ed25519 -known $work/known_hosts -k 7 -mode exec"
    [floor-shell]="$work/floor -hosts $work/hosts.$n -key $LAB/id_ed25519 -known $work/known_hosts -k 7 -mode shell"
    [drover]="$drover play -i $work/inventory.$n.yml $shared/ansible/site.yml -f $n -T $timeout --per-host-recap"
    [drover+1]="$drover play -i $work/inventory.$n+1.yml $shared/ansible/site.yml -f $((n + 1)) -T $timeout --per-host-recap"
  )
  declare -A wall=() rss=() unreachable=()
  : > "$work/silent.waits.$n"
  for r in $(seq 1 "$runs"); do
    for c in "${contestants[@]}"; do
      "$shared/fleet.sh" reset
      out=$work/$c.$n.$r
      before=$(wc -l < "$work/silent.log" 2>/dev/null || echo 0)
      start=$(date +%s.%N)
      /usr/bin/time -f '%e %M' -o "$out.time" bash -c "${cmd[$c]}" > "$out.out" 2>&1 || true
      t=$(tail -1 "$out.time")
      wall[$c]+="${t% *} "; rss[$c]+="${t#* } "
      case $c in
      drover) u=$(grep -cE 'unreachable=[1-9]' "$out.out" || true) ;;
      drover+1)
        u=$(grep -E 'unreachable=[1-9]' "$out.out" | grep -cv '^silent ' || true)
        grep -qE '^silent +:.*unreachable=1' "$out.out" || echo "run $r at $n hosts: drover did not report the silent host unreachable; see $out.out" >&2
        sleep 0.5
        tail -n +"$((before + 1))" "$work/silent.log" | awk -v s="$start" '{printf "%.2f %.2f\n", $2 - $1, $1 - s}' >> "$work/silent.waits.$n" ;;
      *) u=$(sed -n 's/.* fails=\([0-9]*\) .*/\1/p' "$out.out"); u=${u:-$n} ;;
      esac
      unreachable[$c]=$(( ${unreachable[$c]:-0} + u ))
    done
  done
  ws=$(echo "${wall[floor-shell]}" | median); we=$(echo "${wall[floor-exec]}" | median)
  rs=$(echo "${rss[floor-shell]}" | median); re=$(echo "${rss[floor-exec]}" | median)
  dw=$(echo "${wall[drover]}" | median); dr=$(echo "${rss[drover]}" | median)
  for c in "${contestants[@]}"; do
    ratio=""
    [ "$c" = drover ] && ratio=$(printf 'wall %.2fx shell %.2fx exec, rss %.2fx exec %.2fx shell' "$(echo "$dw / $ws" | bc -l)" \
      "$(echo "$dw / $we" | bc -l)" "$(echo "$dr / $re" | bc -l)" "$(echo "$dr / $rs" | bc -l)")
    printf '%6d %-12s %9.2f %9.1f %12s   %s\n' "$n" "$c" "$(echo "${wall[$c]}" | median)" \
      "$(echo "$(echo "${rss[$c]}" | median) / 1024" | bc -l)" "${unreachable[$c]}" "$ratio"
  done
  if [ -s "$work/silent.waits.$n" ]; then
    sort -g "$work/silent.waits.$n" | tail -1 | awk -v t="$timeout" '{printf "%6s silent host: waited for at most %.2f s (timeout %s s), connected to %.2f s into the run\n", "", $1, t, $2}'
  else
    printf '%6s silent host: never connected to\n' ""
  fi
  unset cmd wall rss unreachable
done
printf '\nload average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
