package vault

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSourcesKeyring(t *testing.T) {
	dir := t.TempDir()
	plainFile := writeFile(t, dir, "pw.txt", "  file-pass \n\n", 0o600)
	crlfFile := writeFile(t, dir, "crlf.txt", "crlf-pass\r\n", 0o600)
	script := writeFile(t, dir, "pw.sh", "#!/bin/sh\necho script-pass\necho second line\n", 0o700)
	client := writeFile(t, dir, "ids-client.sh", "#!/bin/sh\n[ \"$1\" = --vault-id ] || exit 3\ncase \"$2\" in dev) echo client-dev;; *) echo \"unknown $2\" >&2; exit 2;; esac\n", 0o700)
	empty := writeFile(t, dir, "empty.txt", "\n", 0o600)
	failing := writeFile(t, dir, "fail.sh", "#!/bin/sh\nexit 7\n", 0o700)
	outer := NewKeyring(Secret{ID: "default", Password: []byte("file-pass")})
	encPw, _ := outer.Encrypt([]byte("inner-pass\n"), "")
	encFile := writeFile(t, dir, "enc-pw.txt", string(encPw), 0o600)

	prompts := []string{}
	prompt := func(p string) ([]byte, error) {
		prompts = append(prompts, p)
		return []byte(" typed-pass\n"), nil
	}
	tests := []struct {
		name        string
		src         Sources
		env         map[string]string
		want        []Secret
		wantErr     string
		wantPrompts []string
	}{
		{name: "password file stripped", src: Sources{PasswordFiles: []string{plainFile}},
			want: []Secret{{"default", []byte("file-pass")}}},
		{name: "CR LF stripped", src: Sources{PasswordFiles: []string{crlfFile}},
			want: []Secret{{"default", []byte("crlf-pass")}}},
		{name: "executable file is run", src: Sources{PasswordFiles: []string{script}},
			want: []Secret{{"default", []byte("script-pass\nsecond line")}}},
		{name: "vault ids in order", src: Sources{IDs: []string{"dev@" + plainFile, "ops@" + script, crlfFile}},
			want: []Secret{{"dev", []byte("file-pass")}, {"ops", []byte("script-pass\nsecond line")}, {"default", []byte("crlf-pass")}}},
		{name: "client script gets the vault id", src: Sources{IDs: []string{"dev@" + client}},
			want: []Secret{{"dev", []byte("client-dev")}}},
		{name: "client script without the id", src: Sources{IDs: []string{"qa@" + client}},
			wantErr: "did not find a secret for vault-id=qa: unknown qa"},
		{name: "env password file after flags", src: Sources{PasswordFiles: []string{crlfFile}},
			env:  map[string]string{EnvPasswordFile: plainFile},
			want: []Secret{{"default", []byte("crlf-pass")}, {"default", []byte("file-pass")}}},
		{name: "env identity list first", src: Sources{IDs: []string{"b@" + crlfFile}},
			env:  map[string]string{EnvIdentityList: "a@" + plainFile},
			want: []Secret{{"a", []byte("file-pass")}, {"b", []byte("crlf-pass")}}},
		{name: "vaulted password file opened with an earlier one", src: Sources{PasswordFiles: []string{plainFile, encFile}},
			want: []Secret{{"default", []byte("file-pass")}, {"default", []byte("inner-pass")}}},
		{name: "ask vault pass", src: Sources{AskPass: true},
			want: []Secret{{"default", []byte("typed-pass")}}, wantPrompts: []string{"Vault password: "}},
		{name: "label at prompt", src: Sources{IDs: []string{"dev@prompt"}},
			want: []Secret{{"dev", []byte("typed-pass")}}, wantPrompts: []string{"Vault password (dev): "}},
		{name: "new password asked twice", src: Sources{AskPass: true, NewPassword: true},
			want: []Secret{{"default", []byte("typed-pass")}}, wantPrompts: []string{"New Vault password: ", "Confirm New Vault password: "}},
		{name: "auto prompt when nothing given", src: Sources{AutoPrompt: true},
			want: []Secret{{"default", []byte("typed-pass")}}, wantPrompts: []string{"Vault password: "}},
		{name: "nothing given, no auto prompt", src: Sources{}, want: nil},
		{name: "one bad file among good ones is a warning", src: Sources{PasswordFiles: []string{filepath.Join(dir, "missing"), plainFile}},
			want: []Secret{{"default", []byte("file-pass")}}},
		{name: "missing file alone is an error", src: Sources{PasswordFiles: []string{filepath.Join(dir, "missing")}},
			wantErr: "missing: no such file or directory"},
		{name: "empty file", src: Sources{PasswordFiles: []string{empty}}, wantErr: "empty"},
		{name: "failing script", src: Sources{PasswordFiles: []string{failing}}, wantErr: "returned non-zero (7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prompts = nil
			src := tt.src
			src.Prompt = prompt
			src.Getenv = func(k string) string { return tt.env[k] }
			src.Stderr = &strings.Builder{}
			kr, err := src.Keyring(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := kr.secrets
			if !slices.EqualFunc(got, tt.want, func(a, b Secret) bool { return a.ID == b.ID && string(a.Password) == string(b.Password) }) {
				t.Errorf("secrets %q, want %q", got, tt.want)
			}
			if !slices.Equal(prompts, tt.wantPrompts) {
				t.Errorf("prompts %q, want %q", prompts, tt.wantPrompts)
			}
		})
	}
}

func TestRelativeScriptNotLookedUpInPath(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pw.sh", "#!/bin/sh\necho relative-pass\n", 0o700)
	t.Chdir(dir)
	src := Sources{PasswordFiles: []string{"pw.sh"}, NoEnv: true}
	kr, err := src.Keyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := kr.Secret(""); string(s.Password) != "relative-pass" {
		t.Errorf("password %q", s.Password)
	}
}

func TestPromptMismatch(t *testing.T) {
	answers := []string{"one", "two"}
	src := Sources{AskPass: true, NewPassword: true, Getenv: func(string) string { return "" },
		Prompt: func(string) ([]byte, error) {
			a := answers[0]
			answers = answers[1:]
			return []byte(a), nil
		}}
	if _, err := src.Keyring(context.Background()); err == nil || !strings.Contains(err.Error(), "do not match") {
		t.Errorf("error %v, want passwords do not match", err)
	}
	src = Sources{AskPass: true, Getenv: func(string) string { return "" },
		Prompt: func(string) ([]byte, error) { return nil, ErrNoTerminal }}
	if _, err := src.Keyring(context.Background()); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("error %v, want ErrNoTerminal", err)
	}
}

func TestValidateAndEncryptID(t *testing.T) {
	if err := (&Sources{IDs: []string{"a;b@x"}}).Validate(); err == nil {
		t.Errorf("';' in a vault id accepted")
	}
	s := Sources{Getenv: func(k string) string { return map[string]string{EnvEncryptIdentity: "prod"}[k] }}
	if got := s.EncryptVaultID(); got != "prod" {
		t.Errorf("EncryptVaultID = %q, want the environment's prod", got)
	}
	s.EncryptID = "dev"
	if got := s.EncryptVaultID(); got != "dev" {
		t.Errorf("EncryptVaultID = %q, want the flag's dev", got)
	}
}
