package tasks

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// svcScript is a SysV init script for the tests: start leaves a daemon
// that keeps the script's output open (the module must not wait for it),
// status answers as LSB says.
const svcScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          NAME
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: drover test service
### END INIT INFO
PIDFILE=/run/NAME.pid
LOG=/run/NAME.log
running() { [ -f $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null; }
case "$1" in
  start) echo start >> $LOG; running && exit 0; sleep 1000 & echo $! > $PIDFILE; echo "Starting NAME";;
  stop) echo stop >> $LOG; running && kill "$(cat $PIDFILE)"; rm -f $PIDFILE;;
  reload) echo reload >> $LOG;;
  restart) $0 stop; $0 start;;
  status) if running; then echo "NAME is running"; exit 0; else echo "NAME is not running"; exit 3; fi;;
  *) echo "Usage: $0 {start|stop|restart|reload|status}" >&2; exit 2;;
esac
exit 0
`

// TestServiceSysV starts, stops, restarts, reloads, enables and disables
// a real init script through service and update-rc.d, as Ansible does on
// hosts without systemd: Linux's service module in a container whose PID
// 1 is no init (service_mgr process_api, this machine's), the sysvinit
// module on a SysV host (service_mgr sysvinit).
func TestServiceSysV(t *testing.T) {
	for _, mgr := range []string{"process_api", "sysvinit"} {
		t.Run(mgr, func(t *testing.T) { testServiceSysV(t, mgr) })
	}
}

func testServiceSysV(t *testing.T, mgr string) {
	needRoot(t)
	needPrograms(t, "update-rc.d", "service")
	if b, _ := os.ReadFile("/proc/1/comm"); strings.TrimSpace(string(b)) == "systemd" {
		t.Skip("systemd runs this machine: init scripts go through systemd")
	}
	name := fmt.Sprintf("drover-svc%d", os.Getpid()%100000)
	script := "/etc/init.d/" + name
	if err := os.WriteFile(script, []byte(strings.ReplaceAll(svcScript, "NAME", name)), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		shOK(script + " stop")
		shOK("update-rc.d -f " + name + " remove")
		os.Remove(script)
		os.Remove("/run/" + name + ".log")
	})
	running := func() bool { return shOK(script + " status >/dev/null") }
	logCount := func(word string) int {
		b, _ := os.ReadFile("/run/" + name + ".log")
		return strings.Count(string(b), word)
	}
	steps := []struct {
		what    string
		args    map[string]any
		check   bool
		changed bool
		running bool
		after   func() string // "" when the host is as expected
	}{
		{"check mode start", map[string]any{"state": "started"}, true, true, false, nil},
		{"start", map[string]any{"state": "started"}, false, true, true, nil},
		{"start again", map[string]any{"state": "started"}, false, false, true, nil},
		{"enable", map[string]any{"enabled": true}, false, true, true, func() string {
			if !shOK("ls /etc/rc2.d/S??" + name) {
				return "no S link"
			}
			return ""
		}},
		{"enable again", map[string]any{"enabled": true}, false, false, true, nil},
		{"restart", map[string]any{"state": "restarted"}, false, true, true, func() string {
			if logCount("stop") != 1 || logCount("start") != 2 {
				return "restart did not stop and start: " + sh(t, "cat /run/"+name+".log")
			}
			return ""
		}},
		{"reload", map[string]any{"state": "reloaded"}, false, true, true, func() string {
			if logCount("reload") != 1 {
				return "no reload"
			}
			return ""
		}},
		{"check mode stop", map[string]any{"state": "stopped"}, true, true, true, nil},
		{"stop and disable", map[string]any{"state": "stopped", "enabled": false}, false, true, false, func() string {
			if shOK("ls /etc/rc2.d/S??" + name) {
				return "S link left"
			}
			return ""
		}},
		{"stop again", map[string]any{"state": "stopped", "enabled": false}, false, false, false, nil},
	}
	for _, s := range steps {
		s.args["name"] = name
		r := sysRun(t, "service", s.args, sysOpts{check: s.check, vars: map[string]any{"ansible_service_mgr": mgr}})
		wantChanged(t, r, s.changed, s.what)
		if running() != s.running {
			t.Fatalf("%s: running = %v, want %v", s.what, running(), s.running)
		}
		if s.after != nil {
			if msg := s.after(); msg != "" {
				t.Fatalf("%s: %s", s.what, msg)
			}
		}
		if !s.check && mgr != "sysvinit" {
			if st, ok := s.args["state"]; ok && r.Get("state") != map[string]string{"started": "started", "restarted": "started",
				"reloaded": "started", "stopped": "stopped"}[st.(string)] {
				t.Fatalf("%s: state = %v", s.what, r.Get("state"))
			}
		}
	}
	r := sysRun(t, "service", map[string]any{"name": "drover-no-such-service", "state": "started"}, sysOpts{vars: map[string]any{"ansible_service_mgr": mgr}})
	want := map[string]string{"process_api": "Could not find the requested service drover-no-such-service: host",
		"sysvinit": "Could not find the requested service drover-no-such-service: "}[mgr]
	if !r.Failed || r.Msg != want {
		t.Fatalf("missing service: %+v", r)
	}
}
