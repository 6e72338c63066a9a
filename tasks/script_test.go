package tasks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scriptFiles writes the controller scripts of the tests.
func scriptFiles(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		"hello.sh": "#!/bin/sh\necho \"hello $1 $2\"\necho warn >&2\npwd\n",
		"fail.sh":  "#!/bin/sh\necho partial\nexit 3\n",
		"show.py":  "import sys\nprint('args', sys.argv[1:])\n",
		"vault.sh": "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
		"where.sh": "#!/bin/sh\necho \"$0\"\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestScript uploads controller scripts into a private temporary
// directory, runs them with their arguments through the host's shell and
// removes the directory; creates/removes skip, check mode skips.
func TestScript(t *testing.T) {
	files := scriptFiles(t)
	work := t.TempDir()
	o := sysOpts{files: files}
	r := sysRun(t, "script", map[string]any{RawParams: "where.sh"}, o)
	where := strings.TrimSpace(r.Get("stdout").(string))
	if !strings.Contains(where, "/.ansible/tmp/ansible-tmp-") || !strings.HasSuffix(where, "/where.sh") {
		t.Fatalf("script ran from %q", where)
	}
	if _, err := os.Stat(filepath.Dir(where)); err == nil {
		t.Fatalf("temporary directory %s left", filepath.Dir(where))
	}
	r = sysRun(t, "script", map[string]any{RawParams: `hello.sh "big world" 2`, "chdir": work}, o)
	wantChanged(t, r, true, "run")
	if r.Get("stdout") != "hello big world 2\n"+work+"\n" || r.Get("stderr") != "warn\n" || r.Get("rc") != 0 {
		t.Fatalf("output: %v", r.Values)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "show.py a b", "executable": "python3"}, o)
	if wantChanged(t, r, true, "executable"); r.Get("stdout") != "args ['a', 'b']\n" {
		t.Fatalf("python: %v", r.Values)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "fail.sh"}, o)
	if !r.Failed || r.Msg != "non-zero return code" || r.Get("rc") != 3 || !strings.Contains(r.Get("stdout").(string), "partial") {
		t.Fatalf("failing script: %+v", r)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "hello.sh", "creates": work}, o)
	if !r.Skipped || r.Msg != work+" exists, matching creates option" {
		t.Fatalf("creates: %+v", r)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "hello.sh", "removes": work + "/nope"}, o)
	if !r.Skipped || r.Msg != work+"/nope does not exist, matching removes option" {
		t.Fatalf("removes: %+v", r)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "hello.sh"}, sysOpts{files: files, check: true})
	if !r.Skipped || r.Msg != "Check mode is not supported for this task." {
		t.Fatalf("check mode: %+v", r)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "hello.sh", "removes": work}, sysOpts{files: files, check: true})
	if wantChanged(t, r, true, "check mode with removes"); r.Get("stdout") != nil {
		t.Fatalf("check mode ran the script: %v", r.Values)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "missing.sh"}, o)
	if !r.Failed || !strings.Contains(r.Msg, "missing.sh") {
		t.Fatalf("missing script: %+v", r)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "vault.sh"}, o)
	if !r.Failed || !strings.Contains(r.Msg, "vault.sh: vault: no vault password given") {
		t.Fatalf("vault script without a vault password: %+v", r)
	}
	r = sysRun(t, "script", map[string]any{RawParams: "vault.sh", "decrypt": false, "executable": "cat"}, o)
	if wantChanged(t, r, true, "decrypt: false"); !strings.HasPrefix(r.Get("stdout").(string), "$ANSIBLE_VAULT;") {
		t.Fatalf("uploaded as is: %v", r.Values)
	}
}
