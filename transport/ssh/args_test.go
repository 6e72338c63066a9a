package ssh

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	cases := []struct {
		in      string
		want    [][2]string
		file    string
		wantErr string
	}{
		{in: "-o UserKnownHostsFile=/lab/kh -o StrictHostKeyChecking=yes",
			want: [][2]string{{"UserKnownHostsFile", "/lab/kh"}, {"StrictHostKeyChecking", "yes"}}},
		{in: "-oPort=2222 -o 'User bob' -o identityfile=\"/k ey\"",
			want: [][2]string{{"Port", "2222"}, {"User", "bob"}, {"IdentityFile", "/k ey"}}},
		{in: "-J bastion,root@b2:2200 -p22 -i '/my key' -l alice -F /etc/cfg",
			want: [][2]string{{"ProxyJump", "bastion,root@b2:2200"}, {"Port", "22"}, {"IdentityFile", "/my key"}, {"User", "alice"}},
			file: "/etc/cfg"},
		{in: "-C -q -vvv -o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=5",
			want: [][2]string{{"ServerAliveInterval", "5"}}},
		{in: "-Cp 2200", want: [][2]string{{"Port", "2200"}}},
		{in: `-o ProxyJump=a\ b`, want: [][2]string{{"ProxyJump", "a b"}}},
		{in: "", want: nil},
		{in: "-X", wantErr: "-X"},
		{in: "-o Tunnel=yes", wantErr: "Tunnel"},
		{in: "-o ForwardAgent=yes", wantErr: "ForwardAgent"},
		{in: "-p", wantErr: "needs a value"},
		{in: "-o 'Port=1", wantErr: "unterminated"},
		{in: "host", wantErr: "unexpected \"host\""},
		{in: "-o =x", wantErr: "Keyword=value"},
		{in: `-o ProxyCommand="ssh -W %h:%p -q bastion"`, want: [][2]string{{"ProxyCommand", "ssh -W %h:%p -q bastion"}}},
		{in: `-o 'proxycommand "/opt/my proxy" %h %p' -J j`,
			want: [][2]string{{"ProxyCommand", `"/opt/my proxy" %h %p`}, {"ProxyJump", "j"}}},
	}
	for _, c := range cases {
		a, err := ParseArgs(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseArgs(%q): error %v, want one naming %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(a.Options, c.want) || a.ConfigFile != c.file {
			t.Errorf("ParseArgs(%q) = %q, %q, %v; want %q, %q", c.in, a.Options, a.ConfigFile, err, c.want, c.file)
		}
	}
}

func TestApplyArgs(t *testing.T) {
	a, err := ParseArgs("-o Port=1 -o Port=2 -i /a -o User=x -o StrictHostKeyChecking=accept-new -o ServerAliveInterval=0 -F /f")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Host: "h", User: "inventory-user", IdentityFiles: []string{"/inv"}}
	if err := a.Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 1 || cfg.User != "inventory-user" || !reflect.DeepEqual(cfg.IdentityFiles, []string{"/inv", "/a"}) ||
		cfg.HostKeyPolicy != AcceptNew || cfg.ServerAliveInterval != -1 || cfg.ConfigFile != "/f" {
		t.Errorf("applied: %+v", cfg)
	}
	proxies := []struct {
		args        string
		jump, proxy string
		wantErr     string
	}{
		{args: "-o ProxyCommand='ssh -W %h:%p b'", proxy: "ssh -W %h:%p b"},
		{args: "-o ProxyCommand='ssh -W %h:%p b' -J j", proxy: "ssh -W %h:%p b"},
		{args: "-J j -o ProxyCommand='ssh -W %h:%p b'", jump: "j"},
		{args: "-o ProxyCommand=none -J j", proxy: "none"},
		{args: "-o ProxyCommand='nc %h %t'", wantErr: "unknown token %t"},
	}
	for _, p := range proxies {
		a, err := ParseArgs(p.args)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Host: "h"}
		err = a.Apply(&cfg)
		if p.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), p.wantErr) {
				t.Errorf("%s: error %v, want one with %q", p.args, err, p.wantErr)
			}
			continue
		}
		if err != nil || cfg.ProxyJump != p.jump || cfg.ProxyCommand != p.proxy {
			t.Errorf("%s: ProxyJump %q ProxyCommand %q %v; want %q %q", p.args, cfg.ProxyJump, cfg.ProxyCommand, err, p.jump, p.proxy)
		}
	}
	a, _ = ParseArgs("-o Port=x")
	if err := a.Apply(&Config{Host: "h"}); err == nil || !strings.Contains(err.Error(), `Port "x"`) {
		t.Errorf("bad port: %v", err)
	}
}

func TestSplitWords(t *testing.T) {
	cases := map[string][]string{
		`a b`:            {"a", "b"},
		`'a b' "c d"`:    {"a b", "c d"},
		`x'y'"z"`:        {"xyz"},
		`"a\"b" 'a\b'`:   {`a"b`, `a\b`},
		`a\ b  c`:        {"a b", "c"},
		`''`:             {""},
		"  \t":           nil,
		`"$HOME" '$H'`:   {"$HOME", "$H"},
		`-o"Port=2" -x`:  {"-oPort=2", "-x"},
		`"a\\b" "a\nb"`:  {`a\b`, `a\nb`},
		`-o 'A=b c' d=e`: {"-o", "A=b c", "d=e"},
	}
	for in, want := range cases {
		got, err := splitWords(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseHop(t *testing.T) {
	cases := []struct {
		in         string
		user, host string
		port       int
	}{
		{"bastion", "", "bastion", 0},
		{"bob@bastion", "bob", "bastion", 0},
		{"bob@bastion:2200", "bob", "bastion", 2200},
		{"[::1]:22", "", "::1", 22},
		{"a@b@c:1", "a@b", "c", 1},
	}
	for _, c := range cases {
		u, h, p, err := parseHop(c.in)
		if err != nil || u != c.user || h != c.host || p != c.port {
			t.Errorf("parseHop(%q) = %q %q %d %v", c.in, u, h, p, err)
		}
	}
	hops, _ := parseJumps("ssh://a:1, b ,c")
	if !reflect.DeepEqual(hops, []string{"a:1", "b", "c"}) {
		t.Errorf("parseJumps: %q", hops)
	}
	if hops, _ := parseJumps("none"); hops != nil {
		t.Errorf("none: %q", hops)
	}
}
