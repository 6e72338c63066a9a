package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDecryptAnsibleFixtures(t *testing.T) {
	tests := []struct {
		file   string
		want   string
		wantID string
	}{
		{"ansible-11.yml", "db_user: app\ndb_password: \"S3cret-Db-Pass\"\nport: 5432\nenabled: true\n", "default"},
		{"ansible-12-dev.yml", "api_token: tok-dev-123456\n", "dev"},
		{"ansible-12-prod.yml", "api_token: tok-prod-654321\n", "prod"},
		{"ansible-block.txt", "0123456789abcdef", "default"},
	}
	kr := fixtureKeyring()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			plain, s, err := kr.DecryptNamed(path, data)
			if err != nil {
				t.Fatal(err)
			}
			if string(plain) != tt.want || s.ID != tt.wantID {
				t.Errorf("got %q with %q, want %q with %q", plain, s.ID, tt.want, tt.wantID)
			}
		})
	}
}

func TestEncryptFormat(t *testing.T) {
	tests := []struct {
		id         string
		wantHeader string
	}{
		{"", "$ANSIBLE_VAULT;1.1;AES256"},
		{"default", "$ANSIBLE_VAULT;1.1;AES256"},
		{"dev", "$ANSIBLE_VAULT;1.2;AES256;dev"},
	}
	kr := NewKeyring(Secret{ID: "default", Password: []byte("a")}, Secret{ID: "dev", Password: []byte("b")})
	for _, tt := range tests {
		t.Run(tt.wantHeader, func(t *testing.T) {
			plain := bytes.Repeat([]byte("x"), 200)
			out, err := kr.Encrypt(plain, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(out), "\n")
			if lines[0] != tt.wantHeader {
				t.Errorf("header %q, want %q", lines[0], tt.wantHeader)
			}
			if lines[len(lines)-1] != "" {
				t.Errorf("output does not end in a newline")
			}
			for i, l := range lines[1 : len(lines)-1] {
				if len(l) > 80 || (i < len(lines)-3 && len(l) != 80) {
					t.Errorf("line %d is %d columns", i+2, len(l))
				}
				if strings.Trim(l, "0123456789abcdef") != "" {
					t.Errorf("line %d is not lower-case hex: %q", i+2, l)
				}
			}
			got, err := kr.Decrypt(out)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("round trip: %q, %v", got, err)
			}
		})
	}
}

func TestKnownAnswer(t *testing.T) {
	// A fixed salt makes the output deterministic; the expected value is
	// what ansible-core's VaultAES256.encrypt returns for the same salt.
	salt := []byte("0123456789abcdef0123456789abcdef")
	sl, err := sealWithSalt([]byte("hello\n"), []byte("pw"), salt)
	if err != nil {
		t.Fatal(err)
	}
	got := string(formatEnvelope(sl.formatPayload(), ""))
	want := readGolden(t, "known-answer.vault")
	if got != want {
		t.Errorf("envelope:\n%s\nwant:\n%s", got, want)
	}
}

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPadding(t *testing.T) {
	for n := range 40 {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		p := pad(plain)
		if len(p)%16 != 0 || len(p) <= n || len(p)-n > 16 {
			t.Fatalf("pad(%d bytes) gave %d bytes", n, len(p))
		}
		back, err := unpad(p)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("unpad(pad(%d bytes)): %v", n, err)
		}
	}
	for _, bad := range [][]byte{{}, bytes.Repeat([]byte{0}, 16), bytes.Repeat([]byte{17}, 16), append(bytes.Repeat([]byte{1}, 14), 3, 2)} {
		if _, err := unpad(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("unpad(%v) = %v, want ErrFormat", bad, err)
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/ansible-11.yml")
	if err != nil {
		t.Fatal(err)
	}
	tampered := tamper(t, good)
	tests := []struct {
		name    string
		kr      *Keyring
		data    []byte
		wantErr error
		wantMsg string
	}{
		{"wrong password", NewKeyring(Secret{Password: []byte("nope")}), good, ErrHMAC,
			"group_vars/all.yml: vault: HMAC verification failed (wrong password?)"},
		{"wrong passwords for several ids", NewKeyring(Secret{ID: "a", Password: []byte("x")}, Secret{ID: "b", Password: []byte("y")}), good, ErrHMAC,
			"group_vars/all.yml: vault: HMAC verification failed (wrong password?); vault ids tried: a, b"},
		{"tampered ciphertext", fixtureKeyring(), tampered, ErrHMAC, ""},
		{"no secrets", NewKeyring(), good, ErrNoSecrets, ""},
		{"not encrypted", fixtureKeyring(), []byte("a: b\n"), ErrNotEncrypted, ""},
		{"bad cipher", fixtureKeyring(), []byte("$ANSIBLE_VAULT;1.1;AES\n3031\n"), ErrCipher, ""},
		{"short header", fixtureKeyring(), []byte("$ANSIBLE_VAULT;1.1\n3031\n"), ErrFormat, ""},
		{"bad hex", fixtureKeyring(), []byte("$ANSIBLE_VAULT;1.1;AES256\nzz\n"), ErrFormat, ""},
		{"two parts", fixtureKeyring(), []byte("$ANSIBLE_VAULT;1.1;AES256\n30310a3031\n"), ErrFormat, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.kr.DecryptNamed("group_vars/all.yml", tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			var ve *Error
			if !errors.As(err, &ve) || ve.File != "group_vars/all.yml" {
				t.Errorf("error %v does not name the file", err)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("message %q, want %q", err.Error(), tt.wantMsg)
			}
			if strings.Contains(err.Error(), "S3cret") {
				t.Errorf("plaintext in error: %v", err)
			}
		})
	}
}

// tamper flips one bit of the ciphertext and re-wraps it validly.
func tamper(t *testing.T, data []byte) []byte {
	t.Helper()
	env, err := parseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := parsePayload(env.payload)
	if err != nil {
		t.Fatal(err)
	}
	sl.ciphertext[len(sl.ciphertext)/2] ^= 1
	return formatEnvelope(sl.formatPayload(), env.id)
}

func TestCandidateOrder(t *testing.T) {
	dev, _ := os.ReadFile("testdata/ansible-12-dev.yml")
	tests := []struct {
		name    string
		secrets []Secret
		matchID bool
		wantErr error
	}{
		{"matching id listed last", []Secret{{ID: "prod", Password: []byte("prod-pass")}, {ID: "dev", Password: []byte("dev-pass")}}, false, nil},
		{"right password under another id", []Secret{{ID: "other", Password: []byte("dev-pass")}}, false, nil},
		{"match id refuses other ids", []Secret{{ID: "other", Password: []byte("dev-pass")}}, true, ErrUnknownID},
		{"match id with the id", []Secret{{ID: "dev", Password: []byte("dev-pass")}}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := NewKeyring(tt.secrets...)
			kr.SetMatchID(tt.matchID)
			plain, err := kr.Decrypt(dev)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err == nil && string(plain) != "api_token: tok-dev-123456\n" {
				t.Errorf("plaintext %q", plain)
			}
		})
	}
	// the secret named by the file is tried first: no other derivation runs
	kr := NewKeyring(Secret{ID: "prod", Password: []byte("prod-pass")}, Secret{ID: "dev", Password: []byte("dev-pass")})
	fresh, _ := EncryptWith([]byte("x"), Secret{ID: "dev", Password: []byte("dev-pass")})
	before := derivations.Load()
	if _, err := kr.Decrypt(fresh); err != nil {
		t.Fatal(err)
	}
	if n := derivations.Load() - before; n != 1 {
		t.Errorf("%d key derivations, want 1 (the dev secret first)", n)
	}
}

func TestKeyCache(t *testing.T) {
	kr := NewKeyring(Secret{Password: []byte("cache-test")})
	data, err := kr.Encrypt([]byte("v"), "")
	if err != nil {
		t.Fatal(err)
	}
	before := derivations.Load()
	for range 5 {
		if _, err := kr.Decrypt(data); err != nil {
			t.Fatal(err)
		}
	}
	if n := derivations.Load() - before; n != 1 {
		t.Errorf("%d derivations for one (password, salt), want 1", n)
	}
}

func TestEncryptRefusesVaultData(t *testing.T) {
	kr := NewKeyring(Secret{Password: []byte("p")})
	data, _ := kr.Encrypt([]byte("v"), "")
	if _, err := kr.Encrypt(data, ""); !errors.Is(err, ErrAlreadyEncrypted) {
		t.Errorf("error %v, want ErrAlreadyEncrypted", err)
	}
	if _, err := kr.Encrypt([]byte("v"), "nosuch"); !errors.Is(err, ErrUnknownID) {
		t.Errorf("error %v, want ErrUnknownID", err)
	}
}

func TestIsEncrypted(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"$ANSIBLE_VAULT;1.1;AES256\n00\n", true},
		{"  $ANSIBLE_VAULT;1.1;AES256\n", false},
		{"$ANSIBLE_VAULT;1.1;AES256\n\xff", false},
		{"---\na: b\n", false},
	}
	for _, tt := range tests {
		if got := IsEncrypted([]byte(tt.in)); got != tt.want {
			t.Errorf("IsEncrypted(%q) = %v", tt.in, got)
		}
	}
}

func TestInlineValuesFromAnsible(t *testing.T) {
	data, err := os.ReadFile("testdata/inline.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	kr := fixtureKeyring()
	rec := &recorder{}
	kr.SetRedactor(rec)
	got := map[string]string{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if c.Tag == "!vault" {
				plain, err := kr.DecryptInline("testdata/inline.yml:"+n.Content[i-1].Value, c.Value)
				if err != nil {
					t.Fatal(err)
				}
				got[n.Content[i-1].Value] = plain
			}
			walk(c)
		}
	}
	walk(&doc)
	want := map[string]string{"dev_secret": "inline dev value", "prod_secret": "inline prod value"}
	if len(got) != 2 || got["dev_secret"] != want["dev_secret"] || got["prod_secret"] != want["prod_secret"] {
		t.Errorf("inline values %q, want %q", got, want)
	}
	for _, v := range want {
		if !rec.has(v) {
			t.Errorf("%q not registered for redaction", v)
		}
	}
	if !rec.has("dev-pass") {
		t.Errorf("keyring passwords not registered for redaction")
	}
}

func TestDecryptInlineIndented(t *testing.T) {
	kr := NewKeyring(Secret{Password: []byte("pw")})
	enc, _ := kr.Encrypt([]byte("v4lue"), "")
	indented := "\n" + strings.ReplaceAll("          "+strings.TrimSuffix(string(enc), "\n"), "\n", "\n          ") + "\n"
	got, err := kr.DecryptInline("x", indented)
	if err != nil || got != "v4lue" {
		t.Errorf("DecryptInline = %q, %v", got, err)
	}
}

func TestDecryptVarsRegistersValues(t *testing.T) {
	kr := fixtureKeyring()
	rec := &recorder{}
	kr.SetRedactor(rec)
	plain := "user: app\npass: \"Pa55-word\"\nport: 5432\non: true\nnone: null\nkey: |\n  -----BEGIN KEY-----\n  QUJDREVGR0g=\n  -----END KEY-----\nlist:\n  - item-one\n"
	enc, err := kr.Encrypt([]byte(plain), "dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.DecryptVars("host_vars/db.yml", enc); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"app", "Pa55-word", "5432", "QUJDREVGR0g=", "-----BEGIN KEY-----", "item-one"} {
		if !rec.has(v) {
			t.Errorf("%q not registered", v)
		}
	}
	for _, v := range []string{"user", "pass", "true", "null"} {
		if rec.has(v) {
			t.Errorf("%q registered, but keys, booleans and nulls are not secrets", v)
		}
	}
}
