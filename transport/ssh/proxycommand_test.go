package ssh

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestProxyTokens(t *testing.T) {
	host, _ := os.Hostname()
	short, _, _ := strings.Cut(host, ".")
	cfg := Config{Host: "alias", HostName: "10.0.0.1", Port: 2222, User: "bob"}
	aliased := cfg
	aliased.HostKeyAlias = "keyname"
	cases := []struct {
		cfg     Config
		in      string
		want    string
		wantErr string
	}{
		{cfg: cfg, in: "nc %h %p", want: "nc 10.0.0.1 2222"},
		{cfg: cfg, in: "ssh -W %h:%p -l %r %n", want: "ssh -W 10.0.0.1:2222 -l bob alias"},
		{cfg: cfg, in: "echo 100%% %%h", want: "echo 100% %h"},
		{cfg: cfg, in: "%k", want: "alias"},
		{cfg: aliased, in: "%k", want: "keyname"},
		{cfg: cfg, in: "%l %L %u %d %i", want: strings.Join([]string{host, short, localUser(), homeDir(), strconv.Itoa(os.Getuid())}, " ")},
		{cfg: cfg, in: "%C", want: connectionHash(host, "10.0.0.1", "2222", "bob")},
		{cfg: cfg, in: "no tokens at all", want: "no tokens at all"},
		{cfg: cfg, in: "nc %h %z", wantErr: "unknown token %z"},
		{cfg: cfg, in: "nc %h %", wantErr: "lone %"},
		{cfg: cfg, in: "nc %é", wantErr: "unknown token %é"},
	}
	for _, c := range cases {
		c.cfg.ProxyCommand = c.in
		got, err := c.cfg.proxyLine()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: error %v, want one with %q", c.in, err, c.wantErr)
			}
			if cerr := checkProxyTokens(c.in); cerr == nil {
				t.Errorf("checkProxyTokens(%q) accepted it", c.in)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q expanded to %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if got, _ := (&Config{ProxyCommand: "none"}).proxyLine(); got != "none" {
		t.Errorf("none expanded to %q", got)
	}
}

// TestProxyTokensLikeOpenSSH expands the tokens ProxyCommand shares with
// ControlPath as OpenSSH's own ssh -G does.
func TestProxyTokensLikeOpenSSH(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	const tokens = "%C_%L_%l_%u_%d_%h_%p_%r_%n_%i_%k_%%"
	out, err := exec.Command("ssh", "-G", "-F", "/dev/null", "-o", "HostName=10.0.0.1", "-p", "2222", "-l", "bob",
		"-o", "ControlPath="+tokens, "alias").Output()
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "controlpath "); ok {
			want = v
		}
	}
	cfg := Config{Host: "alias", HostName: "10.0.0.1", Port: 2222, User: "bob", ProxyCommand: tokens}
	if got, err := cfg.proxyLine(); err != nil || got != want {
		t.Errorf("expanded %q, %v; ssh -G gives %q", got, err, want)
	}
}

const proxySSHConfig = `
Host pc-first
  ProxyCommand ssh -W %h:%p "bastion one" -o Opt=x#y
  ProxyJump j1

Host pj-first
  ProxyJump j2

Host pc-none
  ProxyCommand none

Host pc-eq
  ProxyCommand  =  nc %h %p  

Host *-first pc-none pc-eq
  ProxyJump later

Host *
  ProxyCommand fallback %n
`

func TestProxyFromSSHConfig(t *testing.T) {
	file := writeConfig(t, proxySSHConfig)
	cases := []struct {
		in          Config
		jump, proxy string
		wantErr     string
	}{
		{in: Config{Host: "pc-first"}, jump: "none", proxy: `ssh -W %h:%p "bastion one" -o Opt=x#y`},
		{in: Config{Host: "pj-first"}, jump: "j2", proxy: "none"},
		{in: Config{Host: "pc-none"}, jump: "none", proxy: "none"},
		{in: Config{Host: "pc-eq"}, jump: "none", proxy: "nc %h %p"},
		{in: Config{Host: "other"}, jump: "none", proxy: "fallback %n"},
		{in: Config{Host: "pc-first", ProxyJump: "mine"}, jump: "mine", proxy: "none"},
		{in: Config{Host: "pj-first", ProxyCommand: "mine %h"}, jump: "none", proxy: "mine %h"},
		{in: Config{Host: "other", ProxyJump: "none"}, jump: "none", proxy: "none"},
		{in: Config{Host: "x", ProxyJump: "a", ProxyCommand: "b"}, wantErr: "exclusive"},
		{in: Config{Host: "x", ProxyCommand: "nc %q"}, wantErr: "unknown token %q"},
	}
	for _, c := range cases {
		c.in.ConfigFile = file
		got, err := c.in.Resolve()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%+v: error %v, want one with %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got.ProxyJump != c.jump || got.ProxyCommand != c.proxy {
			t.Errorf("%s: ProxyJump %q ProxyCommand %q (%v); want %q %q", c.in.Host, got.ProxyJump, got.ProxyCommand, err, c.jump, c.proxy)
		}
	}
}

// TestProxyKeyedConnections checks that connections made through other
// proxy commands are told apart, and those through the same one are not.
func TestProxyKeyedConnections(t *testing.T) {
	key := func(proxy string) string {
		rc, err := Config{Host: "h", HostName: "10.0.0.1", Port: 22, User: "u", ConfigFile: "none", ProxyCommand: proxy}.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		return rc.key()
	}
	cases := []struct {
		a, b string
		same bool
	}{
		{"", "none", true},
		{"nc %h %p", "nc 10.0.0.1 22", true},
		{"", "nc %h %p", false},
		{"nc %h %p", "nc %n %p", false},
		{"nc %h %p", "nc -q0 %h %p", false},
	}
	for _, c := range cases {
		if got := key(c.a) == key(c.b); got != c.same {
			t.Errorf("ProxyCommand %q and %q: same key %v, want %v (%q, %q)", c.a, c.b, got, c.same, key(c.a), key(c.b))
		}
	}
}

func TestStderrLines(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"boom\n", "boom"},
		{"a\n\n  b  \r\nc", "a | b | c"},
		{"1\n2\n3\n4\n5\n6\n7\n", "3 | 4 | 5 | 6 | 7"},
	}
	for _, c := range cases {
		p := &proxyConn{tail: []byte(c.in)}
		if got := p.stderrLines(); got != c.want {
			t.Errorf("stderrLines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
