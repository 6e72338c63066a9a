#!/usr/bin/env bash
# fallback.sh [-n HOSTS] [-r RUNS] — the module fallback measured against Ansible: fallback/site5.yml
# (five tasks naming modules drover has no native implementation of: community.general.ini_file,
# community.general.filesize, ansible.posix.sysctl, community.general.archive, ansible.posix.authorized_key) on the lab fleet of
# ../shared/bench (needs root), run in turn by ansible-playbook (forks = hosts, pipelining,
# ControlPersist: the shared bench's ansible.cfg) and by drover, hosts reset before each run. Both use
# /usr/bin/python3 on the hosts. Prints each one's median wall time and the ratio ansible/drover, and
# the CPU drover's hosts spent (their sshds' reaped children; Ansible's ControlPersist sessions
# outlive its run, so its hosts' CPU is not counted there).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
shared=${SHARED_BENCH:-$repo/../shared/bench}
LAB=${LAB:-/tmp/lab}; export LAB
hosts=50; runs=1
while getopts n:r: o; do case $o in n) hosts=$OPTARG;; r) runs=$OPTARG;; *) exit 2;; esac; done
"$shared/fleet.sh" up "$hosts" >/dev/null
(cd "$repo" && go build -o "$LAB/drover" ./cmd/drover)
cfg=$LAB/ansible-fallback.cfg
sed -e "s/^forks = .*/forks = $hosts/" -e "s|/tmp/lab|$LAB|g" "$shared/ansible/ansible.cfg" > "$cfg"
limit="lab[0:$((hosts - 1))]"
declare -A cmd=(
  [ansible]="ANSIBLE_CONFIG=$cfg ansible-playbook -i $LAB/inventory.yml -l '$limit' $here/fallback/site5.yml"
  [drover]="ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 $LAB/drover play -i $LAB/inventory.yml -l '$limit' -f $hosts $here/fallback/site5.yml"
)
# hostcpu sums the CPU time (clock ticks) of what the lab sshds ran: their reaped children.
hostcpu() {
  local t=0 f
  for p in "$LAB"/hosts/*/sshd.pid; do read -ra f < "/proc/$(cat "$p")/stat"; t=$((t + f[15] + f[16])); done
  echo "$t"
}
declare -A wall cpu
load=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq 1 "$runs"); do
  for c in ansible drover; do
    "$shared/fleet.sh" reset
    c0=$(hostcpu); t0=$(date +%s.%N)
    bash -c "${cmd[$c]}" > "$LAB/fallback-$c.out" 2>&1 || echo "$c failed; see $LAB/fallback-$c.out" >&2
    t1=$(date +%s.%N); c1=$(hostcpu)
    wall[$c]+="$(echo "$t1 - $t0" | bc) "; cpu[$c]+="$(( (c1 - c0) / $(getconf CLK_TCK) )) "
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
aw=$(echo "${wall[ansible]}" | median); dw=$(echo "${wall[drover]}" | median)
printf '%-8s %10s %12s   (fallback site5, %d hosts, %d runs each; load before: %s)\n' contestant median_s host_cpu_s "$hosts" "$runs" "$load"
printf '%-8s %10.3f %12s\n' ansible "$aw" - drover "$dw" "$(echo "${cpu[drover]}" | median)"
printf 'ansible/drover: %.2fx\n' "$(echo "$aw / $dw" | bc -l)"
