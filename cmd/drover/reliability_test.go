package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	return writeFileTB(t, dir, name, content)
}

// writeFileTB is writeFile for tests and benchmarks.
func writeFileTB(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTraceFilePrivate runs a playbook with DROVER_TRACE on a real sshd
// host: the trace file, new or left 0644 by an earlier run, ends 0600, and
// a no_log task's command line and file paths are masked in it while the
// other tasks' are not.
func TestTraceFilePrivate(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 1})
	dir := t.TempDir()
	book := writeFile(t, dir, "book.yml", `- hosts: h1
  gather_facts: false
  tasks:
    - shell: echo visible-cmd-1 >/dev/null
    - shell: echo Sup3r-S3cret-cmd >/dev/null
      no_log: true
    - copy: {content: "x", dest: "`+lab.Hosts[0].Dir+`/Sup3r-S3cret-file"}
      no_log: true
`)
	for _, existing := range []bool{false, true} {
		tr := filepath.Join(t.TempDir(), "trace.log")
		if existing {
			writeFile(t, filepath.Dir(tr), "trace.log", "")
		}
		r := execDrover(t, []string{"DROVER_TRACE=" + tr}, "play", "-i", lab.Inventory, book)
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		b, err := os.ReadFile(tr)
		fi, serr := os.Stat(tr)
		if err != nil || serr != nil {
			t.Fatal(err, serr)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("existing %v: trace file mode %v, want 0600", existing, fi.Mode())
		}
		if strings.Contains(string(b), "Sup3r-S3cret") || !strings.Contains(string(b), "visible-cmd-1") {
			t.Errorf("existing %v: want the no_log task masked and the other shown:\n%s", existing, b)
		}
	}
}

// TestVarsSourcesFailClosed runs a playbook that would write a template on
// a real sshd host while one of its variable sources cannot be read: the
// run must stop with exit 4 and a message naming the file and the cause
// before any task ran (include_vars: the task fails, exit 2, as in
// Ansible), and the host keeps no file. vars_files lists of alternatives
// take the first file found (Ansible's optional form).
func TestVarsSourcesFailClosed(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 1})
	h := lab.Hosts[0]
	dir := vaultDir(t)
	vaultPut(t, dir, "good.yml", "db_password: from-good\n", 0o600)
	vaultPut(t, dir, "bad.yml", "db_password: [unclosed\n", 0o600)
	vaultPut(t, dir, "vaulted.yml", "db_password: from-vault\n", 0o600)
	if r := execDrover(t, nil, "vault", "encrypt", "--vault-password-file", filepath.Join(dir, "pw-default"), filepath.Join(dir, "vaulted.yml")); r.code != 0 {
		t.Fatalf("vault encrypt: %s", r.stderr)
	}
	vaulted, err := os.ReadFile(filepath.Join(dir, "vaulted.yml"))
	if err != nil {
		t.Fatal(err)
	}
	vaultPut(t, dir, "corrupt.yml", strings.Replace(string(vaulted), "3", "Z", 3), 0o600)
	pw := filepath.Join(dir, "pw-default")
	for _, tc := range []struct {
		name, varsFiles, extra, wantErr string
		code                            int
		before, groupVars               string // a task before the copy; a file to use as group_vars/all.yml
	}{
		{"missing", "[missing.yml]", "", "book.yml:1:3: vars file missing.yml was not found", 4, "", ""},
		{"bad YAML", "[bad.yml]", "", "bad.yml:1:", 4, "", ""},
		{"wrong vault password", "[vaulted.yml]", "", "vaulted.yml:1:1: cannot decrypt vault", 4, "", ""},
		{"corrupted vault", "[corrupt.yml]", "", "corrupt.yml:1:1: cannot decrypt vault", 4, "", ""},
		{"every alternative missing", "[[missing.yml, missing2.yml]]", "", "vars file [missing.yml missing2.yml] was not found", 4, "", ""},
		{"bad alternative", "[[bad.yml, good.yml]]", "", "bad.yml:1:", 4, "", ""},
		{"-e @missing", "[]", "@" + filepath.Join(dir, "missing.yml"), "missing.yml", 4, "", ""},
		{"-e @bad YAML", "[]", "@" + filepath.Join(dir, "bad.yml"), "bad.yml:1:", 4, "", ""},
		{"-e @wrong vault password", "[]", "@" + filepath.Join(dir, "vaulted.yml"), "vaulted.yml:1:1: cannot decrypt vault", 4, "", ""},
		{"first alternative found", "[[missing.yml, good.yml]]", "", "", 0, "", ""},
		{"include_vars wrong vault password", "[]", "", "vaulted.yml:1:1: cannot decrypt vault", 2, "include_vars: vaulted.yml", ""},
		{"include_vars corrupted vault", "[]", "", "corrupt.yml:1:1: cannot decrypt vault", 2, "include_vars: corrupt.yml", ""},
		{"group_vars wrong vault password", "[]", "", "all.yml:1:1: cannot decrypt vault", 4, "", "vaulted.yml"},
		{"group_vars bad YAML", "[]", "", "all.yml:1:", 4, "", "bad.yml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := h.Dir + "/app.conf"
			os.Remove(out)
			os.RemoveAll(filepath.Join(dir, "group_vars"))
			if tc.groupVars != "" {
				b, err := os.ReadFile(filepath.Join(dir, tc.groupVars))
				if err != nil {
					t.Fatal(err)
				}
				vaultPut(t, dir, "group_vars/all.yml", string(b), 0o600)
			}
			tasks := "    - copy: {content: \"db_password={{ db_password | default('changeme') }}\", dest: " + out + "}\n"
			if tc.before != "" {
				tasks = "    - " + tc.before + "\n" + tasks
			}
			book := vaultPut(t, dir, "book.yml", "- hosts: "+h.Name+"\n  gather_facts: false\n  vars_files: "+tc.varsFiles+"\n  tasks:\n"+tasks, 0o644)
			args := []string{"play", "-i", lab.Inventory, "--vault-password-file", filepath.Join(dir, "pw-wrong"), book}
			if tc.extra != "" {
				args = append(args, "-e", tc.extra)
			}
			if tc.name == "first alternative found" {
				args[4] = pw
			}
			r := execDrover(t, nil, args...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.wantErr) || strings.Contains(r.stderr, "goroutine") {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", r.code, tc.code, tc.wantErr, r.stdout, r.stderr)
			}
			b, err := os.ReadFile(out)
			switch {
			case tc.code != 0 && err == nil:
				t.Errorf("the host got %s (%q) although the run failed", out, b)
			case tc.code == 0 && string(b) != "db_password=from-good":
				t.Errorf("%s holds %q, %v", out, b, err)
			}
		})
	}
}

// TestHostKeyCheckingOffWarns runs a command on two real sshd hosts with
// host key checking off: the flag gets one warning line for the run; the
// configuration (host_key_checking = False, as ansible-test sets it) is the
// user's lasting choice and gets none, as in Ansible.
func TestHostKeyCheckingOffWarns(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 2})
	const warning = "[WARNING]: --host-key-checking off: host keys are not checked"
	for _, tc := range []struct {
		name     string
		env      []string
		flags    []string
		warnings int
	}{
		{"flag", nil, []string{"--host-key-checking", "off"}, 1},
		{"configuration", []string{"ANSIBLE_HOST_KEY_CHECKING=false"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run", "-i", lab.Inventory}, tc.flags...), "all", "--", "true")
			r := execDrover(t, tc.env, args...)
			if r.code != 0 || strings.Count(r.stderr, warning) != tc.warnings {
				t.Errorf("exit %d, want %d warning lines:\n%s%s", r.code, tc.warnings, r.stdout, r.stderr)
			}
		})
	}
}

// hostileYAML are YAML files built to exhaust memory: 100k-deep flow
// nesting (200 KB) and a "billion laughs" alias bomb.
func hostileYAML() map[string]string {
	var bomb strings.Builder
	bomb.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i < 10; i++ {
		a := "*l" + string(rune('0'+i-1))
		bomb.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(a+",", 8) + a + "]\n")
	}
	return map[string]string{
		"deep":  "x: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n",
		"bomb":  bomb.String(),
		"dash":  "x:\n" + strings.Repeat("- ", 20_000) + "v\n",
		"nuls":  "a: 1\n\x1b[2J\x00\x07: [\xff\n",
		"json":  strings.Repeat("[", 5_000) + strings.Repeat("]", 5_000),
		"bombj": `{"a": ` + strings.Repeat("[", 3_000) + strings.Repeat("]", 3_000) + `}`,
	}
}

// TestHostileYAMLEverywhere feeds each hostile file to drover as a
// playbook, an inventory, -e @file, vars_files and include_vars (the bomb
// printed by debug: var=): each ends with a located error (exit 4; 2 for
// include_vars, a task failure as in Ansible), never a Go stack trace or
// an exhausted machine, and no control byte reaches the terminal.
func TestHostileYAMLEverywhere(t *testing.T) {
	dir := t.TempDir()
	for name, src := range hostileYAML() {
		p := writeFile(t, dir, name+".yml", src)
		book := func(body string) string {
			return writeFile(t, dir, "book-"+name+".yml", "- hosts: localhost\n  gather_facts: false\n"+body)
		}
		for _, tc := range []struct {
			how  string
			args func() []string
			code int
		}{
			{"playbook", func() []string { return []string{"play", p} }, 4},
			{"inventory", func() []string { return []string{"play", "-i", p, book("  tasks: [{debug: {msg: hi}}]\n")} }, 4},
			{"-e @file", func() []string { return []string{"play", "-e", "@" + p, book("  tasks: [{debug: {msg: hi}}]\n")} }, 4},
			{"vars_files", func() []string {
				return []string{"play", book("  vars_files: [" + p + "]\n  tasks: [{debug: {var: l9}}]\n")}
			}, 4},
			{"include_vars", func() []string {
				return []string{"play", book("  tasks: [{include_vars: " + p + "}, {debug: {var: l9}}]\n")}
			}, 2},
		} {
			t.Run(name+"/"+tc.how, func(t *testing.T) {
				r := execDrover(t, nil, tc.args()...)
				out := r.stdout + r.stderr
				if r.code != tc.code || !strings.Contains(out, name+".yml:") || strings.Contains(out, "goroutine ") ||
					strings.ContainsAny(out, "\x00\x07\xff") || strings.Contains(out, "\x1b[2J") {
					t.Errorf("exit %d, want %d with %s.yml:LINE:COL and no stack trace:\n%.2000s", r.code, tc.code, name, out)
				}
			})
		}
	}
}

// TestTaskTimeout runs a task with timeout: 2 on two real sshd hosts, one
// of which hangs: that host fails with Ansible's message, the other goes
// on to the next task, and the hung command is gone from the host, for
// users of their own (sshd kills the session's process group) and root
// logins (sshd refuses to signal sessions that run without privilege
// separation: drover kills the group itself).
func TestTaskTimeout(t *testing.T) {
	for _, own := range []bool{true, false} {
		t.Run(fmt.Sprintf("own users %v", own), func(t *testing.T) {
			lab := testlab.Shared(t, testlab.Options{Hosts: 2, OwnUsers: own})
			marker := "drover-timeout-" + filepath.Base(t.TempDir())
			book := writeFile(t, t.TempDir(), "book.yml", `- hosts: h1,h2
  gather_facts: false
  tasks:
    - shell: "{{ 'sleep 300; echo `+marker+`' if inventory_hostname == 'h1' else 'true' }}"
      timeout: 2
    - debug: msg=next
`)
			r := execDrover(t, nil, "play", "-i", lab.Inventory, book)
			if r.code != 2 || !strings.Contains(r.stdout, "The shell action failed to execute in the expected time frame (2) and was terminated") ||
				!regexp.MustCompile(`h1\s*: ok=0 .* failed=1`).MatchString(r.stdout) || !regexp.MustCompile(`h2\s*: ok=2 `).MatchString(r.stdout) {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			testlab.WaitNoCommand(t, marker)
		})
	}
}

// TestOutputLimit runs a command that writes 3 MiB to stdout on a real
// sshd host with a limit of 1 MiB (from --output-limit, or
// DROVER_OUTPUT_LIMIT, which the flag overrides): the registered stdout of
// play, and the stdout drover run shows, keep the first MiB and end with a
// line giving the whole size; stderr is kept apart. A limit that is not a
// positive number is bad usage.
func TestOutputLimit(t *testing.T) {
	lab := testlab.Shared(t, testlab.Options{Hosts: 1})
	const chatty = `head -c 3145728 /dev/zero | tr '\0' x; echo err >&2`
	book := writeFile(t, t.TempDir(), "book.yml", `- hosts: h1
  gather_facts: false
  tasks:
    - shell: `+chatty+`
      register: out
    - debug: msg="{{ 1040000 < out.stdout | length < 1050000 }} {{ out.stdout_lines[-1] }} {{ out.stderr }}"
`)
	marker := `\[output truncated after 1 MiB of 314\d{4} bytes \(3 MiB\): --output-limit raises the limit\]`
	cases := []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{[]string{"DROVER_OUTPUT_LIMIT=1"}, []string{"play", "-i", lab.Inventory, book}, 0, `True ` + marker + ` err`},
		{[]string{"DROVER_OUTPUT_LIMIT=7"}, []string{"play", "--output-limit", "1", "-i", lab.Inventory, book}, 0, `True ` + marker + ` err`},
		{nil, []string{"run", "--output-limit", "1", "-i", lab.Inventory, "h1", "--", chatty}, 0, `\nx{1000}x*\n` + marker + `\nstderr:\nerr\n`},
		{nil, []string{"play", "--output-limit", "0", "-i", lab.Inventory, book}, 5, `^$`},
		{nil, []string{"run", "--output-limit", "-1", "-i", lab.Inventory, "h1", "--", "true"}, 5, `^$`},
	}
	for _, c := range cases {
		r := execDrover(t, c.env, c.args...)
		if r.code != c.code || !regexp.MustCompile(c.want).MatchString(r.stdout) || c.code == 5 && !strings.Contains(r.stderr, "--output-limit must be a positive number of MiB") {
			t.Errorf("%v drover %q: exit %d, want %d and %q:\n%.3000s%s", c.env, c.args, r.code, c.code, c.want, r.stdout, r.stderr)
		}
	}
}

// TestBlackHolesFold runs play and run against two black-holed hosts (TCP
// connect never answered) and two silent ones (connected, no SSH answer):
// each cause gets one message, naming it without the host's address or
// port, so that the hosts of a cause fold into one line.
func TestBlackHolesFold(t *testing.T) {
	var inv strings.Builder
	for i, addr := range []string{testlab.BlackHole(t), testlab.BlackHole(t), testlab.SilentPeer(t), testlab.SilentPeer(t)} {
		host, port, _ := strings.Cut(addr, ":")
		fmt.Fprintf(&inv, "%s%d ansible_host=%s ansible_port=%s\n", map[bool]string{true: "hole", false: "mute"}[i < 2], i%2+1, host, port)
	}
	invPath := writeFile(t, t.TempDir(), "inv", inv.String())
	book := writeFile(t, t.TempDir(), "book.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: \"true\"\n")
	hole := regexp.QuoteMeta("timed out connecting (no answer to TCP connect) after 1s")
	mute := regexp.QuoteMeta("timed out during key exchange after 1s")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"play", "-T", "1", "-i", invPath, book},
			[]string{`unreachable hole\[1-2\]\n +` + hole + `\n`, `unreachable mute\[1-2\]\n +` + mute + `\n`}},
		{[]string{"run", "-T", "1", "-i", invPath, "all", "--", "true"},
			[]string{`── hole\[1-2\] \(2\) UNREACHABLE ──\n` + hole + `\n`, `── mute\[1-2\] \(2\) UNREACHABLE ──\n` + mute + `\n`}},
	}
	for _, c := range cases {
		r := execDrover(t, nil, c.args...)
		for _, w := range c.want {
			if r.code != 3 || !regexp.MustCompile(w).MatchString(r.stdout) {
				t.Errorf("drover %s: exit %d, want 3 and %q:\n%s%s", c.args[0], r.code, w, r.stdout, r.stderr)
			}
		}
		if strings.Contains(r.stdout, "127.0.0.1") {
			t.Errorf("drover %s names an address:\n%s", c.args[0], r.stdout)
		}
	}
}
