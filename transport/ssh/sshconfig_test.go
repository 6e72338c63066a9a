package ssh

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testSSHConfig = `
Host web-* !web-secret
  HostName %h.example.test
  User deploy
  Port 2201
  IdentityFile ~/.ssh/web_%r_%h
  IdentityFile %d/second

Host web-secret
  HostName 10.0.0.9
  ProxyJump bob@bastion:2222,gate
  StrictHostKeyChecking accept-new
  UserKnownHostsFile /kh/one "/kh/two words"

Host db
  HostName db.internal
  IdentitiesOnly yes
  ServerAliveInterval 0
  ConnectTimeout 7
  StrictHostKeyChecking no

Host *
  User fallback
  Port 2299
  IdentityFile /all/key
  ServerAliveInterval 30
  ServerAliveCountMax 5
  HashKnownHosts yes
`

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolveFromSSHConfig(t *testing.T) {
	file := writeConfig(t, testSSHConfig)
	home := homeDir()
	cases := []struct {
		name  string
		in    Config
		check func(c Config) bool
	}{
		{"wildcard host with tokens", Config{Host: "web-1"}, func(c Config) bool {
			return c.HostName == "web-1.example.test" && c.User == "deploy" && c.Port == 2201 &&
				reflect.DeepEqual(c.IdentityFiles, []string{home + "/.ssh/web_deploy_web-1.example.test", home + "/second", "/all/key"}) &&
				c.ServerAliveInterval == 30*time.Second && c.ServerAliveCountMax == 5 && *c.HashKnownHosts &&
				c.HostKeyPolicy == Strict && c.ProxyJump == "none"
		}},
		{"negated pattern skips the block", Config{Host: "web-secret"}, func(c Config) bool {
			return c.HostName == "10.0.0.9" && c.User == "fallback" && c.Port == 2299 &&
				c.ProxyJump == "bob@bastion:2222,gate" && c.HostKeyPolicy == AcceptNew &&
				reflect.DeepEqual(c.KnownHostsFiles, []string{"/kh/one", "/kh/two words"})
		}},
		{"first value wins, ServerAliveInterval 0 is off", Config{Host: "db"}, func(c Config) bool {
			return c.HostName == "db.internal" && *c.IdentitiesOnly && c.ServerAliveInterval < 0 &&
				c.ConnectTimeout == 7*time.Second && c.HostKeyPolicy == Off && c.User == "fallback"
		}},
		{"explicit settings win", Config{Host: "web-2", User: "me", Port: 22, HostKeyPolicy: Strict,
			IdentityFiles: []string{"/explicit"}, ProxyJump: "none"}, func(c Config) bool {
			return c.User == "me" && c.Port == 22 && c.IdentityFiles[0] == "/explicit" && len(c.IdentityFiles) == 4 &&
				c.ProxyJump == "none"
		}},
		{"unmatched host gets defaults", Config{Host: "other", ConfigFile: "none"}, func(c Config) bool {
			return c.HostName == "other" && c.Port == 22 && c.ConnectTimeout == DefaultConnectTimeout &&
				c.ServerAliveInterval == DefaultServerAliveInterval && c.HostKeyPolicy == Strict &&
				strings.HasSuffix(c.IdentityFiles[0], "/.ssh/id_ed25519") && strings.HasSuffix(c.KnownHostsFiles[0], "/.ssh/known_hosts")
		}},
	}
	for _, c := range cases {
		if c.in.ConfigFile == "" {
			c.in.ConfigFile = file
		}
		got, err := c.in.Resolve()
		if err != nil || !c.check(got) {
			t.Errorf("%s: %+v %v", c.name, got, err)
		}
	}
}

func TestSSHConfigErrors(t *testing.T) {
	cases := map[string]string{
		"Host x\n  Port abc\n":                    `Port "abc"`,
		"Host x\n  StrictHostKeyChecking maybe\n": "StrictHostKeyChecking",
		"Host x\n  ProxyCommand nc %h %P\n":       "unknown token %P",
		"Host x\n  ConnectTimeout soon\n":         "ConnectTimeout",
	}
	for content, want := range cases {
		file := writeConfig(t, content)
		_, err := Config{Host: "x", ConfigFile: file}.Resolve()
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), file) {
			t.Errorf("%q: error %v, want one naming %q and the file", content, err, want)
		}
	}
	if _, err := (Config{Host: "x", ConfigFile: "/no/such/file"}).Resolve(); err == nil {
		t.Errorf("a missing -F file was accepted")
	}
}

func TestKnownHostsMatch(t *testing.T) {
	hashed := HashHostname("[10.0.0.1]:2222")
	cases := []struct {
		patterns []string
		name     string
		want     bool
	}{
		{[]string{"example.com"}, "example.com", true},
		{[]string{"Example.COM"}, "example.com", true},
		{[]string{"[10.0.0.1]:2222"}, "[10.0.0.1]:2222", true},
		{[]string{"[10.0.0.1]:2222"}, "10.0.0.1", false},
		{[]string{"*.example.com", "!bad.example.com"}, "bad.example.com", false},
		{[]string{"*.example.com", "!bad.example.com"}, "ok.example.com", true},
		{[]string{"[10.0.0.?]:*"}, "[10.0.0.1]:2222", true},
		{[]string{hashed}, "[10.0.0.1]:2222", true},
		{[]string{hashed}, "[10.0.0.1]:2223", false},
	}
	for _, c := range cases {
		if got := matchHosts(c.patterns, c.name); got != c.want {
			t.Errorf("matchHosts(%q, %q) = %v", c.patterns, c.name, got)
		}
	}
}
