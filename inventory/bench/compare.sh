#!/bin/sh
# Times drover's inventory resolution against ansible-inventory and ansible
# --list-hosts on the same generated 10,000-host, 200-group YAML inventory
# with group_vars, in one run. Usage: inventory/bench/compare.sh [-benchtime N]
set -eu
cd "$(dirname "$0")/../.."
exec go test ./inventory/ -run '^TestBenchInventoryMatchesAnsible$' -bench '10k$' -benchtime "${2:-3x}" -benchmem
