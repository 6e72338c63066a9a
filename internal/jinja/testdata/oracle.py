#!/usr/bin/python3
"""Differential oracle: runs every case of cases.yaml through Ansible's own
templating (ansible-core's Templar, Conditional and the template module's
environment) and prints the results as JSON on stdout.

Usage: /usr/bin/python3 oracle.py cases.yaml vars.json > golden.json
The Go tests compare internal/jinja against this output (golden.json) and,
when ansible-core is installed, re-run this script to check the golden file
is current.
"""
import json
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("ANSIBLE_LOCAL_TEMP", "/tmp")
os.environ.setdefault("ANSIBLE_NOCOLOR", "1")

import yaml  # noqa: E402
from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.playbook.conditional import Conditional  # noqa: E402
from ansible.template import Templar, AnsibleEnvironment  # noqa: E402
from ansible.utils.display import Display  # noqa: E402

Display().verbosity = 0


def type_name(v):
    for t, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"),
                    (list, "list"), (tuple, "tuple"), (dict, "dict")):
        if isinstance(v, t):
            return name
    if v is None:
        return "NoneType"
    return type(v).__name__


def plain(v):
    """Strip Ansible's str/dict/list subclasses so repr matches Python's."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, str):
        return str(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, dict):
        return {plain(k): plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return tuple(plain(x) for x in v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def run(case, varsets, loader):
    variables = json.loads(json.dumps(varsets[case.get("v", "basic")]))
    kind = case.get("k", "template")
    src = case["t"]
    templar = Templar(loader=loader, variables=variables)
    if kind == "template":
        return templar.template(src)
    if kind == "truth":
        cond = Conditional(loader=loader)
        cond.when = [src]
        return cond.evaluate_conditional(templar, variables)
    if kind == "native":
        import ansible.constants as C
        C.DEFAULT_JINJA2_NATIVE = True
        try:
            return Templar(loader=loader, variables=variables).template(src)
        finally:
            C.DEFAULT_JINJA2_NATIVE = False
    if kind == "file":
        here = os.path.dirname(os.path.abspath(__file__))
        t = templar.copy_with_new_env(environment_class=AnsibleEnvironment, trim_blocks=True,
                                      searchpath=[os.path.join(here, "templates")],
                                      lstrip_blocks=bool(case.get("lstrip")), available_variables=variables)
        return t.do_template(src, preserve_trailing_newlines=True, escape_backslashes=False)
    raise ValueError("unknown kind %s" % kind)


def main():
    cases = yaml.safe_load(open(sys.argv[1]))
    varsets = json.load(open(sys.argv[2]))
    loader = DataLoader()
    out = []
    for case in cases:
        try:
            v = plain(run(case, varsets, loader))
            # object addresses change from run to run
            out.append({"type": type_name(v), "repr": re.sub(r" at 0x[0-9a-f]+", "", repr(v))})
        except Exception as e:  # the error text is what we compare
            msg = getattr(e, "message", None) or str(e)
            out.append({"error": str(msg).split("\n")[0]})
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
