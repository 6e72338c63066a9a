package vault

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecryptTextRegistersLines(t *testing.T) {
	tests := []struct {
		name     string
		plain    []byte
		register []string
		not      []string
	}{
		{"config file", []byte("[db]\n  password = Pa55-word  \nhost = db1\n"),
			[]string{"[db]\n  password = Pa55-word  \nhost = db1", "password = Pa55-word", "host = db1"},
			[]string{"[db]\n  password = Pa55-word  \nhost = db1\n", "[db]"}},
		{"one line", []byte("t0ken-value\n"), []string{"t0ken-value"}, []string{"t0ken-value\n"}},
		{"short one line", []byte("pw1\n"), []string{"pw1"}, nil},
		{"script", []byte("---\nif true; then\n  echo deploying\nfi\n"),
			[]string{"if true; then", "echo deploying"}, []string{"---", "fi"}},
		{"binary", []byte{0x1f, 0x8b, 0xff, 0x00, 'a', 'b', 'c'}, nil, []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := fixtureKeyring()
			rec := &recorder{}
			kr.SetRedactor(rec)
			enc, err := kr.Encrypt(tt.plain, "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := kr.DecryptText("files/x", enc)
			if err != nil || !bytes.Equal(got, tt.plain) {
				t.Fatalf("DecryptText = %q, %v", got, err)
			}
			for _, v := range tt.register {
				if !rec.has(v) {
					t.Errorf("%q not registered", v)
				}
			}
			for _, v := range tt.not {
				if rec.has(v) {
					t.Errorf("%q registered (binary content, a short line or a line break a mask would swallow)", v)
				}
			}
		})
	}
}

func TestDecryptTextWrongPassword(t *testing.T) {
	enc, err := NewKeyring(Secret{Password: []byte("right")}).Encrypt([]byte("secret text"), "")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	kr := NewKeyring(Secret{Password: []byte("wrong")})
	kr.SetRedactor(rec)
	_, err = kr.DecryptText("files/app.conf", enc)
	if !errors.Is(err, ErrHMAC) || err.Error() != "files/app.conf: vault: "+ErrHMAC.Error() {
		t.Errorf("err = %v, want the file named and ErrHMAC", err)
	}
	if rec.has("secret text") {
		t.Error("plaintext registered after a failed decryption")
	}
}
