package tasks

import (
	"os"
	"strings"
	"testing"
)

// TestSystemdWithoutSystemd runs the systemd module where systemctl is
// installed but systemd is not PID 1 (this container, CI's): the failures
// are Ansible's, word for word.
func TestSystemdWithoutSystemd(t *testing.T) {
	needPrograms(t, "systemctl")
	if b, _ := os.ReadFile("/proc/1/comm"); strings.TrimSpace(string(b)) == "systemd" {
		t.Skip("systemd runs this machine")
	}
	r := sysRun(t, "systemd", map[string]any{"name": "drover-no-such-unit", "state": "started"}, sysOpts{})
	if !r.Failed || !strings.HasPrefix(r.Msg, "System has not been booted with systemd as init system (PID 1). Can't operate.") {
		t.Fatalf("unknown unit: %+v", r)
	}
	if !strings.HasSuffix(toStrOr(r.Get("cmd")), "systemctl") || r.Get("rc") != 1 {
		t.Fatalf("cmd/rc: %v", r.Values)
	}
	r = sysRun(t, "systemd", map[string]any{"name": "drover-no-such-unit", "daemon_reload": true}, sysOpts{check: true})
	if !r.Failed {
		t.Fatalf("daemon_reload with an unknown unit: %+v", r)
	}
	r = sysRun(t, "systemd", map[string]any{"daemon_reload": true}, sysOpts{})
	if !r.Failed || !strings.HasPrefix(r.Msg, "failure 1 during daemon-reload: System has not been booted with systemd") {
		t.Fatalf("daemon_reload: %+v", r)
	}
	if r := sysRun(t, "systemd", map[string]any{"name": "x*"}, sysOpts{}); !r.Failed ||
		r.Msg != "This module does not currently support using glob patterns, found '*' in service name: x*" {
		t.Fatalf("glob: %+v", r)
	}
}

// TestParseSystemctlShow reads multi-line Exec values only.
func TestParseSystemctlShow(t *testing.T) {
	out := "Id=a.service\nDescription={weird\nExecStart={ path=/bin/a ; argv[]=/bin/a\n  more }\nActiveState=active\n"
	got := parseSystemctlShow(out)
	want := map[string]string{"Id": "a.service", "Description": "{weird", "ExecStart": "{ path=/bin/a ; argv[]=/bin/a\n  more }", "ActiveState": "active"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
