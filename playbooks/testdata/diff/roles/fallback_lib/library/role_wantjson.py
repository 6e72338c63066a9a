#!/usr/bin/python
# WANT_JSON
# A role's own module that reads its arguments as JSON from the file named
# by its first argument, without module_utils.
import json
import sys

with open(sys.argv[1]) as f:
    args = json.load(f)
items = args.get('items', [])
print(json.dumps({'changed': False, 'count': len(items), 'first': items[0] if items else None,
                  'module_name': args.get('_ansible_module_name')}))
