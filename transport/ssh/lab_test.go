package ssh_test

import (
	"context"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
	"github.com/drover/drover/transport/transporttest"
)

func TestMain(m *testing.M) { testlab.Main(m) }

// shared is the lab most tests use; tests that change hosts start their own.
func shared(t *testing.T) *testlab.Lab {
	return testlab.Shared(t, testlab.Options{Hosts: 3, OwnUsers: true})
}

// hostConfig reaches h with the lab's key and known_hosts, and no
// ssh_config or agent of the machine's.
func hostConfig(lab *testlab.Lab, h *testlab.Host) ssh.Config {
	return ssh.Config{
		Host: h.Name, HostName: h.Addr, Port: h.Port, User: h.User,
		IdentityFiles: []string{lab.Key}, KnownHostsFiles: []string{lab.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"}, ConfigFile: "none", IdentityAgent: "none",
	}
}

func dial(t *testing.T, cfg ssh.Config) *ssh.Conn {
	t.Helper()
	c, err := ssh.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	lab := shared(t)
	var skip map[string]string
	if why := testlab.PTYProblem(); why != "" {
		skip = map[string]string{"PTY": why}
	}
	transporttest.RunSkipping(t, func(t *testing.T) (transport.Conn, string) {
		h := lab.Hosts[0]
		return dial(t, hostConfig(lab, h)), h.Dir
	}, skip)
}
