package tasks

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/redact"
	"github.com/drover/drover/internal/vault"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
)

// vaultSrcSecret is the text hidden in every vaulted source of the tests.
const vaultSrcSecret = "Vaulted-Src-Secret-42"

// vaultSources writes vault-encrypted controller files (a config, a
// template, a script, a tar.gz and a zip, and a directory holding a vaulted
// and a plain file) and returns their directory.
func vaultSources(t *testing.T, kr *vault.Keyring) string {
	t.Helper()
	dir := t.TempDir()
	put := func(name string, plain []byte, encrypt bool) {
		t.Helper()
		data := plain
		if encrypt {
			var err error
			if data, err = kr.Encrypt(plain, ""); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("app.conf", []byte("password = "+vaultSrcSecret+"\n"), true)
	put("app.j2", []byte("rendered "+vaultSrcSecret+"\n"), true)
	put("run.sh", []byte("#!/bin/sh\necho \"script says "+vaultSrcSecret+" $1\"\n"), true)
	put("tree/secret.conf", []byte(vaultSrcSecret+"\n"), true)
	put("tree/plain.conf", []byte("plain\n"), false)
	put("pkg/inside.txt", []byte(vaultSrcSecret+"\n"), false)
	res, err := local.New().Run(context.Background(), transport.Command{Argv: []string{"tar", "czf", filepath.Join(dir, "plain.tgz"), "-C", dir, "pkg"}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("tar: %v %s", err, res.Stderr)
	}
	tgz, err := os.ReadFile(filepath.Join(dir, "plain.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	put("pkg.tgz", tgz, true)
	put("pkg.zip", zipOf(t, "pkg/inside.txt", vaultSrcSecret+"\n"), true)
	for _, n := range []string{"plain.tgz", "pkg/inside.txt"} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func zipOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err == nil {
		_, err = w.Write([]byte(content))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// vaultSrcCase is one module run on vaulted sources and the file it must
// leave on the host (relative to the work directory) with its content.
type vaultSrcCase struct {
	name     string
	module   string
	args     map[string]any // "DIR" is replaced by the work directory
	file     string
	content  string
	failHas  string // the run must fail with this in its message
	stdoutIs string
}

func vaultSrcCases() []vaultSrcCase {
	return []vaultSrcCase{
		{name: "copy decrypts", module: "copy", args: map[string]any{"src": "app.conf", "dest": "DIR/app.conf"},
			file: "app.conf", content: "password = " + vaultSrcSecret + "\n"},
		{name: "copy decrypt false", module: "copy", args: map[string]any{"src": "app.conf", "dest": "DIR/raw.conf", "decrypt": false},
			file: "raw.conf", content: "$ANSIBLE_VAULT;1.1;AES256\n"},
		{name: "copy tree", module: "copy", args: map[string]any{"src": "tree/", "dest": "DIR/tree/"},
			file: "tree/secret.conf", content: vaultSrcSecret + "\n"},
		{name: "template decrypts", module: "template", args: map[string]any{"src": "app.j2", "dest": "DIR/app.txt"},
			file: "app.txt", content: "rendered " + vaultSrcSecret + "\n"},
		{name: "script decrypts", module: "script", args: map[string]any{RawParams: "run.sh arg1"},
			stdoutIs: "script says " + vaultSrcSecret + " arg1\n"},
		{name: "script decrypt false", module: "script", args: map[string]any{RawParams: "run.sh", "decrypt": false, "executable": "head -1"},
			stdoutIs: "$ANSIBLE_VAULT;1.1;AES256\n"},
		{name: "unarchive tgz", module: "unarchive", args: map[string]any{"src": "pkg.tgz", "dest": "DIR/tgz"},
			file: "tgz/pkg/inside.txt", content: vaultSrcSecret + "\n"},
		{name: "unarchive zip", module: "unarchive", args: map[string]any{"src": "pkg.zip", "dest": "DIR/zip"},
			file: "zip/pkg/inside.txt", content: vaultSrcSecret + "\n"},
	}
}

// runVaultSrcCases runs every case on conn with work as the host's
// directory, decrypting with kr.
func runVaultSrcCases(t *testing.T, conn transport.Conn, work string) {
	kr := vault.NewKeyring(vault.Secret{Password: []byte("src-pass")})
	red := redact.New()
	kr.SetRedactor(red)
	src := vaultSources(t, kr)
	for _, d := range []string{"tgz", "zip"} {
		if err := conn.Mkdir(context.Background(), work+"/"+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range vaultSrcCases() {
		t.Run(tc.name, func(t *testing.T) {
			args := replaceDirs(tc.args, work, "").(map[string]any)
			s, c := fileCall(t, conn, tc.module, args, false, src)
			c.Vault, c.Diff = kr.DecryptText, true
			r, err := s.Run(context.Background(), c)
			if err != nil || r.Failed {
				t.Fatalf("%v %+v", err, r)
			}
			if tc.stdoutIs != "" && r.Get("stdout") != tc.stdoutIs {
				t.Errorf("stdout = %q, want %q", r.Get("stdout"), tc.stdoutIs)
			}
			if tc.file == "" {
				return
			}
			var got bytes.Buffer
			if err := conn.Get(context.Background(), work+"/"+tc.file, &got); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got.String(), tc.content) {
				t.Errorf("%s holds %q, want %q", tc.file, got.String(), tc.content)
			}
			if diff, _ := r.Values["diff"].([]any); tc.module == "copy" && tc.args["decrypt"] == nil && len(diff) > 0 {
				sum := sha1.Sum(got.Bytes())
				if r.Get("checksum") != hex.EncodeToString(sum[:]) {
					t.Errorf("checksum %v is not the plaintext's", r.Get("checksum"))
				}
				shown := red.String(PyRepr(r.Values["diff"]))
				if strings.Contains(shown, vaultSrcSecret) {
					t.Errorf("the diff of a vaulted source shows its content once redacted: %s", shown)
				}
			}
		})
	}
}

// TestVaultedSourcesLocal and TestVaultedSourcesSSH prove that copy,
// template, script and unarchive decrypt vault-encrypted controller
// sources (and copy them as they are with decrypt: false), on the local
// connection and on a real sshd host.
func TestVaultedSourcesLocal(t *testing.T) {
	runVaultSrcCases(t, local.New(), t.TempDir())
}

func TestVaultedSourcesSSH(t *testing.T) {
	conn, h := labConn(t)
	runVaultSrcCases(t, conn, h.Dir)
}

// TestVaultedSourceErrors checks the failures: no vault password, a wrong
// one. Each names the file, holds no plaintext and writes nothing.
func TestVaultedSourceErrors(t *testing.T) {
	right := vault.NewKeyring(vault.Secret{Password: []byte("src-pass")})
	wrong := vault.NewKeyring(vault.Secret{Password: []byte("not-it")})
	src := vaultSources(t, right)
	work := t.TempDir()
	for _, tc := range []struct {
		name  string
		vault func(string, []byte) ([]byte, error)
		want  string
	}{
		{"no password", nil, "app.conf: vault: no vault password given"},
		{"wrong password", wrong.DecryptText, "app.conf: vault: HMAC verification failed"},
	} {
		for _, module := range []string{"copy", "template", "script", "unarchive"} {
			args := map[string]any{"src": "app.conf", "dest": work + "/out"}
			switch module {
			case "script":
				args = map[string]any{RawParams: "app.conf"}
			case "unarchive":
				args["dest"] = work
			}
			s, c := fileCall(t, local.New(), module, args, false, src)
			c.Vault = tc.vault
			r, err := s.Run(context.Background(), c)
			if err != nil || !r.Failed || !strings.Contains(r.Msg, tc.want) || strings.Contains(r.Msg, vaultSrcSecret) {
				t.Errorf("%s %s: %v %+v, want a failure with %q", tc.name, module, err, r, tc.want)
			}
			if entries, _ := os.ReadDir(work); len(entries) > 0 {
				t.Errorf("%s %s: wrote %s", tc.name, module, entries[0].Name())
			}
		}
	}
}
