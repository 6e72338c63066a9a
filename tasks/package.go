package tasks

import (
	"context"
)

func init() {
	Register(&Spec{
		Name:    "package",
		AnyArgs: true,
		Run:     runPackage,
	})
}

// pkgMgrModules are the package manager names (the pkg_mgr fact) drover
// has a module for.
var pkgMgrModules = map[string]bool{"apt": true, "dnf": true, "yum": true}

// hostPkgMgr is the host's package manager: the pkg_mgr fact, else asked
// of the host as the setup module decides it.
func hostPkgMgr(ctx context.Context, c *Call) (string, error) {
	if v, ok := factOf(c, "pkg_mgr"); ok {
		return v, nil
	}
	return probeOnce(ctx, c, pkgMgrScript)
}

// pkgMgrScript prints the package manager as the setup module finds it:
// the distribution's own first (apt on Debian, dnf then yum on Red Hat),
// else the first known tool present.
const pkgMgrScript = `have() { command -v "$1" >/dev/null 2>&1; }
if [ -f /etc/debian_version ] && have apt-get; then echo apt; exit; fi
if [ -f /etc/redhat-release ]; then
  if have dnf; then echo dnf; exit; fi
  if have yum; then echo yum; exit; fi
fi
for m in dnf:dnf yum:yum apt-get:apt zypper:zypper apk:apk pacman:pacman; do
  have "${m%%:*}" && { echo "${m#*:}"; exit; }
done
echo unknown`

// runPackage runs the host's package manager module with the task's
// arguments (less use), as Ansible's package action does.
func runPackage(ctx context.Context, c *Call) (*Result, error) {
	mgr := c.Args.Str("use")
	if mgr == "" || mgr == "auto" {
		var err error
		if mgr, err = hostPkgMgr(ctx, c); err != nil {
			return sysErr(err)
		}
	}
	if mgr == "" || mgr == "unknown" || mgr == "auto" {
		return Failf(`Could not detect which package manager to use. Try gathering facts or setting the "use" option.`), nil
	}
	if !pkgMgrModules[mgr] {
		return Failf("Could not find a module for %s.", mgr), nil
	}
	raw := map[string]any{}
	for k, v := range c.Args {
		if k != "use" {
			raw[k] = v
		}
	}
	return runOtherModule(ctx, c, mgr, raw)
}
