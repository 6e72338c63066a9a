# drover's controller-side runner of Ansible filter, test and lookup plugins.
# It reads one JSON request a line on stdin and writes one JSON reply a line
# on the descriptor that was stdout; anything the plugins print goes to
# stderr. Plugins are found and loaded with ansible-core's own plugin
# loaders, configured with the directories and collection roots drover sends.
import json
import os
import sys
import warnings as pywarnings

pywarnings.filterwarnings("ignore", message="AnsibleCollectionFinder has already been configured")
reply_fd = os.dup(1)
os.dup2(2, 1)
replies = os.fdopen(reply_fd, "w")

from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

# The other ansible modules are imported once the collection finder is
# installed, as ansible-playbook does, so that ansible_collections resolves
# through it.
ansible = {}
LOADERS = {}
warnings = []
state = {"roots": None, "dirs": {}}
found = {"filter": {}, "test": {}}


def collect_warning(self, msg, formatted=False):
    if msg not in warnings:
        warnings.append(msg)


def load_ansible():
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins import loader as plugin_loader
    from ansible.template import Templar
    from ansible.utils.display import Display

    Display.warning = collect_warning
    ansible.update(AnsibleError=AnsibleError, DataLoader=DataLoader, Templar=Templar)
    LOADERS.update(filter=plugin_loader.filter_loader, test=plugin_loader.test_loader,
                   lookup=plugin_loader.lookup_loader)


def set_roots(roots):
    """Installs the collection finder on the first call; later roots (the
    collections/ beside playbooks loaded since) become its playbook paths."""
    if state["roots"] is None:
        _AnsibleCollectionFinder(paths=roots, scan_sys_paths=True)._install()
        load_ansible()
    else:
        added = [r for r in roots if r not in state["roots"] and os.path.basename(r) == "collections"]
        if added:
            AnsibleCollectionConfig.playbook_paths = [os.path.dirname(r) for r in added]
    state["roots"] = roots
    for loader in LOADERS.values():
        loader._clear_caches()


def configure(req):
    roots = req.get("roots") or []
    if roots != state["roots"]:
        set_roots(roots)
    for kind, dirs in (req.get("dirs") or {}).items():
        known = state["dirs"].setdefault(kind, [])
        for d in dirs:
            if d not in known:
                known.append(d)
                LOADERS[kind].add_directory(d)
    found["filter"].clear()
    found["test"].clear()
    return None


def jinja_function(kind, name):
    cache = found[kind]
    if name not in cache:
        try:
            plugin = LOADERS[kind].get(name)
        except (ansible["AnsibleError"], KeyError):
            plugin = None
        cache[name] = plugin.j2_function if plugin else None
    return cache[name]


def has(req):
    if req["kind"] == "lookup":
        return LOADERS["lookup"].has_plugin(req["name"])
    return jinja_function(req["kind"], req["name"]) is not None


def unrolled(value):
    if isinstance(value, (str, bytes, dict, list)) or value is None:
        return value
    if hasattr(value, "__next__"):
        return list(value)
    return value


def run_filter(req):
    fn = jinja_function("filter", req["name"])
    return unrolled(fn(req["value"], *(req.get("args") or []), **(req.get("kwargs") or {})))


def run_test(req):
    fn = jinja_function("test", req["name"])
    return bool(fn(req["value"], *(req.get("args") or []), **(req.get("kwargs") or {})))


def run_lookup(req):
    variables = req.get("variables") or {}
    loader = ansible["DataLoader"]()
    if req.get("basedir"):
        loader.set_basedir(req["basedir"])
    templar = ansible["Templar"](loader=loader, variables=variables)
    plugin = LOADERS["lookup"].get(req["name"], loader=loader, templar=templar)
    if plugin is None:
        raise ansible["AnsibleError"]("lookup plugin (%s) not found" % req["name"])
    return plugin.run(req.get("terms") or [], variables=variables, **(req.get("kwargs") or {}))


OPS = {"configure": configure, "has": has, "filter": run_filter, "test": run_test, "lookup": run_lookup}


def plain(value):
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if hasattr(value, "__next__"):
        return list(value)
    return str(value)


def answer(req):
    try:
        out = {"value": OPS[req["op"]](req)}
    except Exception as e:
        cls = type(e)
        out = {"error": str(e), "class": "%s.%s" % (cls.__module__, cls.__qualname__)}
    out["warnings"] = warnings[:]
    del warnings[:]
    return out


def main():
    for line in sys.stdin:
        out = answer(json.loads(line))
        try:
            text = json.dumps(out, default=plain)
        except (TypeError, ValueError) as e:
            text = json.dumps({"error": "the plugin's result cannot be passed back: %s" % e, "class": "TypeError",
                               "warnings": out["warnings"]})
        replies.write(text + "\n")
        replies.flush()


main()
