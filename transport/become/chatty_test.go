package become_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/become"
)

// pamMessage makes the PAM service's (sudo's, su's) authentication print
// message when user runs it (pam_exec with stdout, which the program
// passes on as a PAM message; other users skip it), restored when the
// test ends.
func pamMessage(t *testing.T, service, user, message string) {
	t.Helper()
	testlab.Lock(t, "pam-"+service)
	path := "/etc/pam.d/" + service
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rules := "auth [success=1 default=ignore] pam_succeed_if.so quiet ruser notin " + user + "\n" +
		"auth optional pam_exec.so stdout /bin/echo " + message + "\n"
	if err := os.WriteFile(path, append([]byte(rules), old...), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.WriteFile(path, old, 0o644) })
}

// TestSudoTalksBeforePrompt becomes root with a password on real sudo that
// prints other text before its prompt: a warning that the host's own name
// does not resolve (sshd runs in a UTS namespace with a name no resolver
// knows), a lecture (its text made to look like sudo's own errors), and a
// PAM message; and su with a PAM message. Commands and file operations
// must work as on a quiet sudo.
func TestSudoTalksBeforePrompt(t *testing.T) {
	needRootSudo(t)
	lab := testlab.Start(t, testlab.Options{Hosts: 1, OwnUsers: true})
	lecture := filepath.Join(t.TempDir(), "lecture")
	if err := os.WriteFile(lecture, []byte("sudo: every use is logged\nsu: not allowed to share passwords\nThink twice.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := testlab.AddUser(t)
	for _, tc := range []struct {
		name, hostname, defaults, pam string
		su                            bool
	}{
		{name: "unresolvable host name", hostname: "drover-unresolvable-" + randomHex(4)},
		{name: "lecture", defaults: "lecture=always, lecture_file=" + lecture},
		{name: "PAM message", pam: "sudo: be careful, this machine is watched"},
		{name: "all at once", hostname: "drover-unresolvable-" + randomHex(4), defaults: "lecture=always, lecture_file=" + lecture,
			pam: "Password: policies apply"},
		{name: "su with a PAM message", su: true, hostname: "drover-unresolvable-" + randomHex(4), pam: "su: Password: policies apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := lab.AddHost(testlab.HostOptions{OwnUser: true, Hostname: tc.hostname})
			if err != nil {
				t.Fatal(err)
			}
			pw := "Pw-" + randomHex(6)
			chpasswd(t, h.User, pw)
			rule := h.User + " ALL=(ALL:ALL) ALL\n"
			if tc.defaults != "" {
				rule = "Defaults:" + h.User + " " + tc.defaults + "\n" + rule
			}
			sudoers(t, h.User, rule)
			opts, service, uid, dir := become.Options{Password: pw}, "sudo", "0", h.Dir
			if tc.su {
				opts, service, uid, dir = become.Options{Method: "su", User: other.Name, Password: other.Password}, "su", uidOf(t, other.Name), other.Home
			}
			if tc.pam != "" {
				pamMessage(t, service, h.User, tc.pam)
			}
			f := &fixture{lab: lab}
			c := wrap(t, f.dial(t, h), opts)
			ctx := context.Background()
			res, err := c.Run(ctx, transport.Command{Shell: "id -u; echo err >&2"})
			if err != nil || string(res.Stdout) != uid+"\n" || string(res.Stderr) != "err\n" {
				t.Fatalf("run: %q %q %v", res.Stdout, res.Stderr, err)
			}
			p := dir + "/as-" + opts.Method
			if err := c.Put(ctx, p, strings.NewReader("x"), transport.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if fi, err := c.Stat(ctx, p); err != nil || fmt.Sprint(fi.UID) != uid {
				t.Errorf("file written as %s: %+v %v", uid, fi, err)
			}
		})
	}
}
