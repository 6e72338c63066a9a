#!/bin/sh
echo "hello $1"
echo "args: $#"
echo "to stderr" >&2
[ -z "$FAIL" ] || exit "$FAIL"
