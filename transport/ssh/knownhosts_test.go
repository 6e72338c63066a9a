package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestForHost checks that a host's part of a known_hosts database gives
// what the whole one gives: the same matching entries, in the same order,
// for plain, wildcard, negated and hashed names, authorities and revoked
// keys.
func TestForHost(t *testing.T) {
	var keys []string
	for range 4 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))))
	}
	first := strings.Join([]string{
		"web1.example.test " + keys[0],
		"*.example.test,!bad.example.test " + keys[1],
		"[10.0.0.1]:2222,Web2.Example.TEST " + keys[2],
		HashHostname("web1.example.test") + " " + keys[3],
		"@cert-authority *.example.test " + keys[3],
		"@revoked * " + keys[2],
		"web1.example.test,web1.example.test " + keys[1],
	}, "\n")
	second := "web2.example.test " + keys[0] + "\n[10.0.0.?]:* " + keys[1] + "\n"
	db := &knownHosts{files: []string{"a", "b"},
		entries: append(parseKnownHosts("a", []byte(first)), parseKnownHosts("b", []byte(second))...)}
	names := []string{"web1.example.test", "WEB2.example.test", "bad.example.test", "[10.0.0.1]:2222", "other.test", "x"}
	for _, name := range names {
		part := db.forHost(name)
		for _, marker := range []string{"", markerCA} {
			if got, want := part.matching(name, marker), db.matching(name, marker); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %q: forHost gives %d entries, the whole file %d", name, marker, len(got), len(want))
			}
		}
		if got, want := part.hostKeyAlgorithms(name), db.hostKeyAlgorithms(name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: algorithms %v, want %v", name, got, want)
		}
		for _, k := range keys {
			key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := part.verify(name, name, key), db.verify(name, name, key); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: verify %v, want %v", name, got, want)
			}
		}
	}
}
