#!/usr/bin/env bash
# hostile_yaml.sh — peak RSS and wall time of drover reading hostile YAML: a 200 KB file nested
# 100k levels deep and a "billion laughs" alias bomb, as a playbook, an inventory, -e @file and
# vars_files printed by `debug: var=`. Each must end with exit 4 and a located error; the limit
# drover holds to is 100 MB of RSS. Needs nothing but Go and /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/drover" ./cmd/drover)
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
n = 100_000
open(f"{w}/deep.yml", "w").write("x: " + "[" * n + "]" * n + "\n")
lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 10):
    lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i-1}"] * 9) + "]")
open(f"{w}/bomb.yml", "w").write("\n".join(lines) + "\n")
for f in ("deep", "bomb"):
    open(f"{w}/book-{f}.yml", "w").write(
        f"- hosts: localhost\n  gather_facts: false\n  vars_files: [{w}/{f}.yml]\n  tasks: [{{debug: {{var: l9}}}}]\n")
open(f"{w}/plain.yml", "w").write("- hosts: localhost\n  gather_facts: false\n  tasks: [{debug: {msg: hi}}]\n")
PY
printf '%-28s %6s %8s %10s\n' case exit wall_s peak_rss_MB
for f in deep bomb; do
  for how in playbook inventory extra vars_files; do
    case $how in
      playbook) args=(play "$work/$f.yml");;
      inventory) args=(play -i "$work/$f.yml" "$work/plain.yml");;
      extra) args=(play -e "@$work/$f.yml" "$work/plain.yml");;
      vars_files) args=(play "$work/book-$f.yml");;
    esac
    set +e
    /usr/bin/time -f '%e %M' -o "$work/time" "$work/drover" "${args[@]}" >/dev/null 2>"$work/err"
    code=$?
    set -e
    read -r wall kb < <(tail -1 "$work/time")
    printf '%-28s %6s %8s %10.1f\n' "$f/$how" "$code" "$wall" "$(echo "$kb/1024" | bc -l)"
  done
done
