package ssh_test

import (
	"context"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

// uname is the command the floor program in bench/floor runs per task.
var uname = transport.Command{Argv: []string{"uname", "-r"}}

// BenchmarkRunReused runs `uname -r` over one reused connection: the cost
// of a task once the host is connected.
func BenchmarkRunReused(b *testing.B) {
	lab := testlab.Shared(b, testlab.Options{Hosts: 3, OwnUsers: true})
	c, err := ssh.Dial(context.Background(), hostConfig(lab, lab.Hosts[0]))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res, err := c.Run(context.Background(), uname); err != nil || res.ExitCode != 0 {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkDialRun dials, runs `uname -r` and closes: the cost of a first
// task on a host.
func BenchmarkDialRun(b *testing.B) {
	lab := testlab.Shared(b, testlab.Options{Hosts: 3, OwnUsers: true})
	cfg := hostConfig(lab, lab.Hosts[0])
	for i := 0; i < b.N; i++ {
		c, err := ssh.Dial(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if res, err := c.Run(context.Background(), uname); err != nil || res.ExitCode != 0 {
			b.Fatal(err, res)
		}
		c.Close()
	}
}
