package compat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestSelect: targets are skipped for ansible-test's reasons and this
// machine's, in that order; the others run.
func TestSelect(t *testing.T) {
	tests := []struct {
		name    string
		target  Target
		sel     Selection
		skipped string // a word of the reason; "" when the target runs
	}{
		{"plain role", Target{Name: "ping"}, Selection{}, ""},
		{"context only", Target{Name: "debug", Aliases: []string{"shippable/posix/group1", "context/controller"}}, Selection{}, ""},
		{"hidden alias", Target{Name: "collection", Aliases: []string{"hidden"}}, Selection{}, "hidden"},
		{"setup_ prefix", Target{Name: "setup_pexpect"}, Selection{}, "hidden"},
		{"prepare_ prefix", Target{Name: "prepare_tests"}, Selection{}, "hidden"},
		{"windows alias", Target{Name: "windows-paths", Aliases: []string{"windows"}}, Selection{}, "windows"},
		{"win_ prefix", Target{Name: "win_raw"}, Selection{}, "windows"},
		{"posix and windows", Target{Name: "collections", Aliases: []string{"posix", "windows"}}, Selection{}, ""},
		{"network", Target{Name: "incidental_ios_file", Aliases: []string{"network/ios"}}, Selection{}, "network"},
		{"cloud", Target{Name: "ansible-test-cloud-aws", Aliases: []string{"cloud/aws"}}, Selection{}, "cloud/aws"},
		{"httptester", Target{Name: "uri", Aliases: []string{"needs/httptester"}}, Selection{AllowDestructive: true}, "httptester"},
		{"disabled", Target{Name: "x", Aliases: []string{"disabled"}}, Selection{}, "--allow-disabled"},
		{"unsupported", Target{Name: "x", Aliases: []string{"unsupported"}}, Selection{}, "--allow-unsupported"},
		{"unstable", Target{Name: "x", Aliases: []string{"unstable"}}, Selection{}, "--allow-unstable"},
		{"needs/ssh", Target{Name: "fetch", Aliases: []string{"needs/ssh"}}, Selection{Root: true}, "needs/ssh"},
		{"non_local", Target{Name: "x", Aliases: []string{"non_local"}}, Selection{}, "non_local"},
		{"needs/root, not root", Target{Name: "x", Aliases: []string{"needs/root"}}, Selection{}, "needs/root"},
		{"needs/root as root", Target{Name: "x", Aliases: []string{"needs/root"}}, Selection{Root: true}, ""},
		{"skip/python3.11", Target{Name: "x", Aliases: []string{"skip/python3.11"}}, Selection{PythonVersion: "3.11"}, "skip/python"},
		{"skip/python3", Target{Name: "x", Aliases: []string{"skip/python3"}}, Selection{PythonVersion: "3.11"}, "skip/python"},
		{"skip/python2 on 3", Target{Name: "x", Aliases: []string{"skip/python2.7"}}, Selection{PythonVersion: "3.11"}, ""},
		{"skip/arch", Target{Name: "x", Aliases: []string{"skip/aarch64"}}, Selection{Arch: "aarch64"}, "skip/aarch64"},
		{"platform skips do not apply", Target{Name: "x", Aliases: []string{"skip/macos", "skip/freebsd", "skip/docker"}}, Selection{}, ""},
		{"destructive", Target{Name: "apt", Aliases: []string{"destructive"}}, Selection{Root: true}, "-allow-destructive"},
		{"destructive allowed", Target{Name: "apt", Aliases: []string{"destructive"}}, Selection{Root: true, AllowDestructive: true}, ""},
		{"changes the machine", Target{Name: "file", Aliases: []string{"needs/root"}}, Selection{Root: true}, "changes this machine"},
		{"changes the machine, allowed", Target{Name: "file", Aliases: []string{"needs/root"}}, Selection{Root: true, AllowDestructive: true}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, skipped, err := Select([]Target{tc.target}, nil, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.skipped == "" && len(run) != 1:
				t.Errorf("skipped: %v, want it run", skipped)
			case tc.skipped != "" && (len(skipped) != 1 || !strings.Contains(skipped[0].Reason, tc.skipped)):
				t.Errorf("run %v, skipped %v; want it skipped for %q", run, skipped, tc.skipped)
			}
		})
	}
}

// TestSelectNames: names narrow the selection, sorted; an unknown name is
// an error naming it.
func TestSelectNames(t *testing.T) {
	all := []Target{{Name: "a"}, {Name: "b", Aliases: []string{"disabled"}}, {Name: "c"}}
	run, skipped, err := Select(all, []string{"c", "b"}, Selection{})
	if err != nil || len(run) != 1 || run[0].Name != "c" || len(skipped) != 1 || skipped[0].Target.Name != "b" {
		t.Errorf("run %v skipped %v err %v", run, skipped, err)
	}
	if _, _, err := Select(all, []string{"a", "nope"}, Selection{}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown target: %v", err)
	}
}

// TestLoadTargets reads kinds and aliases (comments and blank lines
// dropped) and the setup targets a target names.
func TestLoadTargets(t *testing.T) {
	suite := t.TempDir()
	dir := TargetsDir(suite)
	write(t, filepath.Join(dir, "r", "tasks", "main.yml"), "- ping:\n")
	write(t, filepath.Join(dir, "r", "aliases"), "shippable/posix/group1 # a comment\n\n# only a comment\nsetup/always/setup_b\nsetup/once/setup_a\nneeds/root")
	write(t, filepath.Join(dir, "s", "runme.sh"), "#!/bin/sh\n")
	targets, err := LoadTargets(suite)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{
		{Name: "r", Kind: Role, Aliases: []string{"shippable/posix/group1", "setup/always/setup_b", "setup/once/setup_a", "needs/root"}},
		{Name: "s", Kind: Runme},
	}
	if !reflect.DeepEqual(targets, want) {
		t.Errorf("got %+v, want %+v", targets, want)
	}
	if got := targets[0].setups(); !reflect.DeepEqual(got, []string{"setup_a", "setup_b"}) {
		t.Errorf("setups %v", got)
	}
}

// TestLocate: the environment variable wins; otherwise shared/ is found
// beside the directory or any parent.
func TestLocate(t *testing.T) {
	base := t.TempDir()
	suite := filepath.Join(base, "shared", suiteName)
	if err := os.MkdirAll(TargetsDir(suite), 0o755); err != nil {
		t.Fatal(err)
	}
	clone := filepath.Join(base, "wt", "clone")
	if err := os.MkdirAll(clone, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(SuiteEnv, "")
	if got, err := Locate(clone); err != nil || got != suite {
		t.Errorf("Locate(clone) = %q, %v; want %q", got, err, suite)
	}
	t.Setenv(SuiteEnv, filepath.Join(base, "nothing"))
	if _, err := Locate(clone); err == nil || !strings.Contains(err.Error(), SuiteEnv) {
		t.Errorf("bad %s: %v", SuiteEnv, err)
	}
	t.Setenv(SuiteEnv, "")
	if _, err := Locate(t.TempDir()); err == nil {
		t.Error("found a suite where there is none")
	}
}

// TestErrorLine picks the line that says why a run failed.
func TestErrorLine(t *testing.T) {
	tests := []struct {
		name, log, want string
	}{
		{"ansible fatal", "TASK [x] ***\nfatal: [testhost]: FAILED! => {\"msg\": \"boom\"}\n\nPLAY RECAP ***\n",
			`fatal: [testhost]: FAILED! => {"msg": "boom"}`},
		{"ignored fatal, then the real one", "fatal: [h]: FAILED! => {\"msg\": \"a\"}\n...ignoring\nfatal: [h]: FAILED! => {\"msg\": \"b\"}\n",
			`fatal: [h]: FAILED! => {"msg": "b"}`},
		{"only ignored", "fatal: [h]: FAILED! => {}\n...ignoring\nPLAY RECAP\n", "PLAY RECAP"},
		{"ansible load error", "ERROR! couldn't resolve module/action 'foo'\n\nThe error appears to be in x.yml\n",
			"ERROR! couldn't resolve module/action 'foo'"},
		{"drover load error", "drover: x.yml:3:11: the role \"r\" was not found\n  2 | roles:\n", `drover: x.yml:3:11: the role "r" was not found`},
		{"drover failed task", "TASK [check it]\n  failed localhost\n      The conditional check 'x' failed.\n\nPLAY RECAP\n",
			"TASK [check it] failed localhost: The conditional check 'x' failed."},
		{"drover failed task on one line", "TASK [reach] failed h1,h2\n\nPLAY RECAP\n", "TASK [reach] failed h1,h2"},
		{"drover unreachable", "TASK [x]\n  unreachable h\n      connection refused\n", "TASK [x] unreachable h: connection refused"},
		{"colours", "\x1b[0;31mfatal: [h]: FAILED! => {}\x1b[0m\n", "fatal: [h]: FAILED! => {}"},
		{"the last error wins", "fatal: [h]: FAILED! => {\"msg\": \"expected\"}\n+ true\nERROR! real\n", "ERROR! real"},
		{"a command after the error", "+ ansible-playbook x.yml\nfatal: [h]: FAILED! => {}\n+ grep -q ok out.txt\n",
			"fatal: [h]: FAILED! => {} · then last command: + grep -q ok out.txt"},
		{"no error, a traced command", "+ ansible-playbook x.yml\nok\n+ '[' 1 = 2 ']'\n", "last command: + '[' 1 = 2 ']'"},
		{"a trap's cleanup", "++ grep -c x out\n+ '[' 0 = 1 ']'\n+ rm -rf /tmp/tmp.x\n", "last command: + '[' 0 = 1 ']'"},
		{"a trap's cleanup function", "+ grep -q x out\n+ cleanup\n+ [[ -f /tmp/x ]]\n+ rm -rf /tmp/x\n", "last command: + grep -q x out"},
		{"a message, then exit", "+ ansible-playbook x.yml\nPLAY RECAP\n+ echo 'it should fail'\nit should fail\n+ exit 1\n+ cleanup\n+ rm -rf /tmp/x\n",
			"the script said: it should fail"},
		{"shell error", "+ foo\n./runme.sh: line 7: foo: command not found\n", "./runme.sh: line 7: foo: command not found"},
		{"python error", "Traceback (most recent call last):\n  File \"x\"\nModuleNotFoundError: No module named 'passlib'\n",
			"ModuleNotFoundError: No module named 'passlib'"},
		{"nothing", "### drover x: cmd\n", "(no output)"},
		{"temporary directory", "drover: x.yml:6:13: the role \"r\" was not found in /tmp/drover-compat-123/r-456-\u00c5\u00d1\u015a/test/integration/roles\n",
			`drover: x.yml:6:13: the role "r" was not found in …/test/integration/roles`},
		{"clipped", "ERROR! " + strings.Repeat("x", 300), "ERROR! " + strings.Repeat("x", maxErrorLen-8) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorLine(tc.log); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestUpdatePassing: failures leave the list, a target joins only when
// Ansible passes it too and it called ansible-playbook, targets not run
// stay.
func TestUpdatePassing(t *testing.T) {
	pass, fail := &Outcome{Exit: 0, Calls: 1}, &Outcome{Exit: 2, Calls: 1}
	timeout := &Outcome{Exit: -1, TimedOut: true}
	results := []Result{
		{Target: "kept", Ansible: pass, Drover: pass},
		{Target: "regressed", Ansible: pass, Drover: fail},
		{Target: "timed-out", Ansible: pass, Drover: timeout},
		{Target: "new", Ansible: pass, Drover: pass},
		{Target: "ansible-fails", Ansible: fail, Drover: pass},
		{Target: "no-oracle", Drover: pass},
		{Target: "drover-not-run", Ansible: pass},
		{Target: "ansible-fails-listed", Ansible: fail, Drover: pass},
		{Target: "no-calls", Ansible: pass, Drover: &Outcome{Exit: 0}},
	}
	old := []string{"kept", "regressed", "timed-out", "not-run", "ansible-fails-listed", "drover-not-run"}
	list, added, removed := UpdatePassing(old, results)
	wantList := []string{"ansible-fails-listed", "drover-not-run", "kept", "new", "not-run"}
	if !reflect.DeepEqual(list, wantList) || !reflect.DeepEqual(added, []string{"new"}) ||
		!reflect.DeepEqual(removed, []string{"regressed", "timed-out"}) {
		t.Errorf("list %v added %v removed %v", list, added, removed)
	}
	path := filepath.Join(t.TempDir(), "passing.txt")
	if err := WritePassing(path, list); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPassing(path); err != nil || !reflect.DeepEqual(got, list) {
		t.Errorf("read back %v, %v", got, err)
	}
}

// TestReport: the summary counts only targets Ansible passes, per kind;
// the table lists each group.
func TestReport(t *testing.T) {
	pass, fail := &Outcome{Exit: 0, Seconds: 1, Calls: 1}, &Outcome{Exit: 2, Seconds: 2, Error: "fatal: [h]: a|b", Calls: 1}
	rep := &Report{Results: []Result{
		{Target: "r1", Kind: Role, Ansible: pass, Drover: &Outcome{Exit: 0, Seconds: 1}},
		{Target: "r2", Kind: Role, Ansible: pass, Drover: fail},
		{Target: "s1", Kind: Runme, Ansible: pass, Drover: pass},
		{Target: "s2", Kind: Runme, Ansible: fail, Drover: pass},
	}, Skipped: []SkipEntry{{Target: "w", Kind: Role, Reason: "windows: ansible-test windows-integration"}}}
	all, byKind := rep.Summary()
	if all != (Tally{2, 3}) || byKind[Role] != (Tally{1, 2}) || byKind[Runme] != (Tally{1, 1}) {
		t.Errorf("summary %v %v", all, byKind)
	}
	var b strings.Builder
	if err := rep.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**2 / 3 (67 %)** overall; role targets 1 / 2 (50 %); runme targets 1 / 1 (100 %)",
		"| r2 | role | 0 | 2 | FAIL | 1 | fatal: [h]: a\\|b | 1.0s | 2.0s |",
		"1 of drover's passes never ran ansible-playbook",
		"| s2 | runme | 2 | 0 | fatal: [h]: a\\|b |",
		"| w | role | windows: ansible-test windows-integration |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := rep.SaveJSON(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadReport(path)
	if err != nil || !reflect.DeepEqual(back.Oracle()["s2"], fail) {
		t.Errorf("oracle read back: %v %v", back, err)
	}
}

// TestCopyTree copies files with their modes and symlinks as symlinks.
func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	write(t, filepath.Join(src, "a", "runme.sh"), "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(src, "a", "runme.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("runme.sh", filepath.Join(src, "a", "link")); err != nil {
		t.Fatal(err)
	}
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dst, "a", "runme.sh"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("runme.sh: %v %v", fi, err)
	}
	if l, err := os.Readlink(filepath.Join(dst, "a", "link")); err != nil || l != "runme.sh" {
		t.Errorf("link: %q %v", l, err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDependencies works out what ansible-test copies beside a target:
// setup targets, needs/target/, symlinks into other targets and hidden
// roles named in meta/, transitively; and the needs/file/ files.
func TestDependencies(t *testing.T) {
	suite := t.TempDir()
	dir := TargetsDir(suite)
	write(t, filepath.Join(dir, "a", "aliases"), "needs/target/b\nneeds/file/test/lib/data.txt\nneeds/file/missing.txt\n")
	write(t, filepath.Join(dir, "a", "runme.sh"), "#!/bin/sh\n")
	write(t, filepath.Join(dir, "b", "meta", "main.yml"), "# setup_unused\ndependencies:\n  - setup_x\n")
	write(t, filepath.Join(dir, "setup_x", "tasks", "main.yml"), "- ping:\n")
	write(t, filepath.Join(dir, "setup_unused", "tasks", "main.yml"), "- ping:\n")
	write(t, filepath.Join(dir, "c", "tasks", "main.yml"), "- ping:\n")
	write(t, filepath.Join(dir, "d", "files", "f"), "x\n")
	if err := os.Symlink("../../d/files/f", filepath.Join(dir, "c", "tasks", "f")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "e", "aliases"), "setup/always/setup_y\n")
	write(t, filepath.Join(dir, "setup_y", "runme.sh"), "#!/bin/sh\n")
	write(t, filepath.Join(suite, "test", "lib", "data.txt"), "x\n")
	all, err := LoadTargets(suite)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := dependencies(suite, all)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"a": {"b", "setup_x"}, "b": {"setup_x"}, "c": {"d"}, "e": {"setup_y"}}
	for name, w := range want {
		if !reflect.DeepEqual(deps[name], w) {
			t.Errorf("%s needs %v, want %v", name, deps[name], w)
		}
	}
	if got := neededFiles(suite, all[:1]); !reflect.DeepEqual(got, []string{"test/lib/data.txt"}) {
		t.Errorf("files needed %v", got)
	}
}

// TestRun runs fake targets with a fake ansible-playbook as ansible-test
// would: setup targets first, the role playbook from test/integration
// with ANSIBLE_ROLES_PATH, runme.sh from its directory with -v flags only,
// the environment, the count of ansible-playbook calls, the time limit.
func TestRun(t *testing.T) {
	suite := t.TempDir()
	dir := TargetsDir(suite)
	runme := func(name, body string) {
		write(t, filepath.Join(dir, name, "runme.sh"), "#!/usr/bin/env bash\nset -eux\n"+body)
		if err := os.Chmod(filepath.Join(dir, name, "runme.sh"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "r", "tasks", "main.yml"), "- ping:\n")
	write(t, filepath.Join(dir, "r", "aliases"), "setup/always/setup_s\n")
	runme("setup_s", "echo setup-ran\nansible-playbook setup.yml\n")
	runme("s", `test -d "$OUTPUT_DIR" && test "$PWD" = "$ANSIBLE_PLAYBOOK_DIR" && test -f "$INVENTORY_PATH"
test "$ANSIBLE_CONFIG" && test ! -s "$ANSIBLE_CONFIG" && test "$(readlink "$(command -v python)")" = "$ANSIBLE_TEST_PYTHON_INTERPRETER"
test -z "${DROVER_COMPAT_LEAK:-}"
ansible-playbook one.yml
ansible-playbook two.yml
echo "args:$*"
`)
	runme("slow", "sleep 60\n")
	runme("fails", "echo 'fatal: [testhost]: FAILED! => {\"msg\": \"x\"}'\nexit 2\n")
	runner := filepath.Join(t.TempDir(), "fake-playbook")
	write(t, runner, "#!/bin/sh\necho \"runner $0 $* roles=${ANSIBLE_ROLES_PATH:-} cwd=$PWD\"\ncase \"$1\" in r-*) cat \"$1\";; esac\n")
	if err := os.Chmod(runner, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DROVER_COMPAT_LEAK", "1") // ansible-test's environment is a clean one
	env, err := NewEnv(context.Background(), suite, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env.Timeout = 3 * time.Second
	tests := []struct {
		target    string
		verbosity int
		exit      int
		calls     int
		timedOut  bool
		logHas    []string
		error     string
	}{
		{target: "r", calls: 2, logHas: []string{"setup-ran", "fake-playbook setup.yml", `"roles": [`, `"output_dir": "/`,
			`"gather_facts": true`, unicodeSuffix + "/test/integration/targets cwd="}},
		{target: "s", calls: 2, logHas: []string{"fake-playbook one.yml", "fake-playbook two.yml", "args:\n"}},
		{target: "s", verbosity: 3, calls: 2, logHas: []string{"args:-vvv\n"}},
		{target: "fails", exit: 2, error: `fatal: [testhost]: FAILED! => {"msg": "x"}`},
		{target: "slow", exit: -1, timedOut: true, error: "timed out after 3s"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s-v%d", tc.target, tc.verbosity), func(t *testing.T) {
			env.Verbosity = tc.verbosity
			o := env.Run(context.Background(), env.targets[tc.target], Runner{Name: "fake", Path: runner})
			log, _ := os.ReadFile(o.Log)
			if o.Exit != tc.exit || o.Calls != tc.calls || o.TimedOut != tc.timedOut || o.Error != tc.error {
				t.Errorf("exit %d calls %d timed out %v error %q; want %d %d %v %q\n%s", o.Exit, o.Calls, o.TimedOut, o.Error,
					tc.exit, tc.calls, tc.timedOut, tc.error, log)
			}
			for _, want := range tc.logHas {
				if !strings.Contains(string(log), want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
		})
	}
}
