#!/bin/sh
# A dynamic inventory that gives host variables in _meta.hostvars.
case "$1" in
--list)
cat <<'JSON'
{
  "web": {"hosts": ["w1.example", "w2.example"], "vars": {"tier": "web", "n": 1}},
  "db": ["d1.example", "w1.example"],
  "app": {"children": ["web"], "vars": {"app": true}},
  "standalone": {"sv": 1, "other": [1, 2]},
  "all": {"vars": {"everyone": "yes"}},
  "_meta": {"hostvars": {"w1.example": {"ansible_host": "10.1.0.1", "n": 2.5e3}, "d1.example": {"nested": {"a": [1, {"b": null}]}}, "ghost": {"x": 1}}}
}
JSON
;;
*) echo '{}' ;;
esac
