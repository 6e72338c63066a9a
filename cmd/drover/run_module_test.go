package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// TestRunModuleAgainstAnsible runs ad-hoc modules with `drover run -m` and
// with `ansible -m` on the same real sshd hosts and compares, per host, the
// status and the result each shows (paths differ only by the -e tool=
// variable), and the files left behind.
func TestRunModuleAgainstAnsible(t *testing.T) {
	testlab.NeedAnsible(t, "ansible")
	lab := testlab.Shared(t, testlab.Options{Hosts: 2})
	base := t.TempDir()
	cases := []struct{ module, args string }{
		{"ping", ""},
		{"file", "path=" + base + "/{{ tool }}-{{ inventory_hostname }} state=directory mode=0750"},
		{"copy", `{"content": "hello\n", "dest": "` + base + `/{{ tool }}-{{ inventory_hostname }}/f.txt", "mode": "0640"}`},
		{"copy", `content=hello\n dest=` + base + "/{{ tool }}-{{ inventory_hostname }}/f.txt mode=0640"},
		{"lineinfile", "path=" + base + "/{{ tool }}-{{ inventory_hostname }}/f.txt line=second"},
		{"stat", "path=" + base + "/{{ tool }}-{{ inventory_hostname }}/f.txt get_checksum=yes get_mime=no"},
		{"file", "path=" + base + "/{{ tool }}-{{ inventory_hostname }}/f.txt state=absent"},
		{"debug", "msg={{ inventory_hostname }}"},
		{"command", "false"},
	}
	for _, c := range cases {
		want := ansibleAdHoc(t, lab.Inventory, c.module, c.args)
		got := droverAdHoc(t, lab.Inventory, c.module, c.args)
		for h := range want {
			w := strings.ReplaceAll(want[h], "ansible-", "TOOL-")
			g := strings.ReplaceAll(got[h], "drover-", "TOOL-")
			if w != g {
				t.Errorf("-m %s -a %q on %s:\nansible: %s\ndrover:  %s", c.module, c.args, h, w, g)
			}
		}
		if len(got) != len(want) {
			t.Errorf("-m %s: drover showed %d hosts, ansible %d", c.module, len(got), len(want))
		}
	}
	for _, h := range lab.Hosts {
		for _, tool := range []string{"ansible", "drover"} {
			fi, err := os.Stat(filepath.Join(base, tool+"-"+h.Name))
			if err != nil || fi.Mode().Perm() != 0o750 {
				t.Errorf("%s-%s: %v, %v; want a 0750 directory", tool, h.Name, fi, err)
			}
		}
	}
}

// adHocComparable is a status and result without what differs between
// runs: temporary paths, times, inode numbers.
func adHocComparable(status string, res map[string]any) string {
	delete(res, "src")
	delete(res, "action") // added by the json callback
	if st, ok := res["stat"].(map[string]any); ok {
		for _, k := range []string{"atime", "ctime", "mtime", "inode", "dev", "version", "device_type"} {
			delete(st, k)
		}
	}
	for _, k := range []string{"start", "end", "delta"} {
		delete(res, k)
	}
	b, _ := json.Marshal(res)
	return status + " " + string(b)
}

// ansibleAdHoc runs `ansible lab -m MODULE -a ARGS` and returns, per host,
// its status and shown result.
func ansibleAdHoc(t *testing.T, inv, module, args string) map[string]string {
	t.Helper()
	argv := []string{"-i", inv, "lab", "-m", module, "-e", "tool=ansible"}
	if args != "" {
		argv = append(argv, "-a", args)
	}
	cmd := exec.Command("ansible", argv...)
	cmd.Env = append(os.Environ(), "ANSIBLE_HOST_KEY_CHECKING=False", "ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCAL_TEMP="+t.TempDir(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_LOAD_CALLBACK_PLUGINS=1")
	out, _ := cmd.Output()
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]map[string]any
			}
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("ansible -m %s: %v\n%s", module, err, out)
	}
	got := map[string]string{}
	for _, task := range doc.Plays[0].Tasks {
		for h, r := range task.Hosts {
			status := "ok"
			switch {
			case r["unreachable"] == true:
				status = "unreachable"
			case r["failed"] == true:
				status = "failed"
			case r["changed"] == true:
				status = "changed"
			}
			got[h] = adHocComparable(status, shownResult(module, r))
		}
	}
	return got
}

// droverAdHoc runs `drover run lab -m MODULE -a ARGS --json` and returns,
// per host, its status and shown result.
func droverAdHoc(t *testing.T, inv, module, args string) map[string]string {
	t.Helper()
	argv := []string{"run", "-i", inv, "lab", "-m", module, "-e", "tool=drover", "--json"}
	if args != "" {
		argv = append(argv, "-a", args)
	}
	r := execDrover(t, []string{"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3"}, argv...) // as ansibleAdHoc: no discovery
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Host, Status string
			Result       map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("drover -m %s: %v\n%s\n%s", module, err, r.stdout, r.stderr)
		}
		got[line.Host] = adHocComparable(line.Status, line.Result)
	}
	return got
}

// TestRunModuleOutput: results identical across hosts fold into one group
// shown as Ansible's indented JSON; unknown modules and arguments are
// usage errors with a suggestion; -b and friends need -m.
func TestRunModuleOutput(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 2})
	r := execDrover(t, []string{"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3"}, "run", "-i", lab.Inventory, "lab", "-m", "ping")
	want := "── " + foldNames(lab.Hosts) + " (2) ──\n{\n    \"changed\": false,\n    \"ping\": \"pong\"\n}\n2 ok · "
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Errorf("exit %d, stdout:\n%s\nwant prefix:\n%s", r.code, r.stdout, want)
	}
	usage := []struct {
		args []string
		msg  string
	}{
		{[]string{"-m", "pnig"}, `couldn't resolve module/action "pnig" (did you mean "ping"?)`},
		{[]string{"-m", "file", "-a", "pth=/tmp/x"}, `unsupported argument "pth" for module file (did you mean "path"?)`},
		{[]string{"-b", "--", "true"}, "apply to -m/-a"},
	}
	for _, u := range usage {
		r := execDrover(t, nil, append([]string{"run", "-i", lab.Inventory, "lab"}, u.args...)...)
		if r.code != 5 || !strings.Contains(r.stderr, u.msg) {
			t.Errorf("drover run %q: exit %d, stderr %q; want 5 and %q", u.args, r.code, r.stderr, u.msg)
		}
	}
}

// TestRunModuleDiff: drover run -m copy -D shows the file's diff, removed
// lines first, labelled as Ansible labels them.
func TestRunModuleDiff(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "motd")
	must(t, os.WriteFile(dest, []byte("old\nsame\n"), 0o644))
	r := execDrover(t, nil, "run", "localhost", "-m", "copy", "-a", "content='new\nsame\n' dest="+dest, "-D")
	for _, want := range []string{"--- before: " + dest + "\n+++ after: ", "\n@@ -1,2 +1,2 @@\n-old\n+new\n same\n"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, stdout:\n%s\nwant it to hold:\n%s", r.code, r.stdout, want)
		}
	}
}

// TestRunJSONBase64: drover run --json --base64 gives output that is not
// UTF-8 byte for byte; without --base64 such bytes are U+FFFD, and the
// folded output escapes them.
func TestRunJSONBase64(t *testing.T) {
	command := `printf 'a\377b\033[2J'`
	r := execDrover(t, nil, "run", "localhost", "--json", "--base64", "--", command)
	var got struct {
		Stdout       string `json:"stdout"`
		StdoutBase64 string `json:"stdout_base64"`
	}
	must(t, json.Unmarshal([]byte(r.stdout), &got))
	if raw, err := base64.StdEncoding.DecodeString(got.StdoutBase64); err != nil || string(raw) != "a\xffb\x1b[2J" || got.Stdout != "" {
		t.Errorf("--base64: %q", r.stdout)
	}
	r = execDrover(t, nil, "run", "localhost", "--", command)
	if !strings.Contains(r.stdout, `a\xffb\x1b[2J`) || strings.Contains(r.stdout, "\x1b[2J") {
		t.Errorf("folded output not escaped: %q", r.stdout)
	}
}
