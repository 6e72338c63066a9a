package ssh_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"testing"

	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/ssh"
)

// uname is the command the floor program in bench/floor runs per task.
var uname = transport.Command{Argv: []string{"uname", "-r"}}

// BenchmarkRunReused runs `uname -r` over one reused connection: the cost
// of a task once the host is connected.
func BenchmarkRunReused(b *testing.B) { benchmarkRunReused(b, true) }

// BenchmarkRunReusedRoot is BenchmarkRunReused logged in as root, where
// each command first prints its process group (see Run).
func BenchmarkRunReusedRoot(b *testing.B) { benchmarkRunReused(b, false) }

func benchmarkRunReused(b *testing.B, ownUser bool) {
	lab := testlab.Shared(b, testlab.Options{Hosts: 3, OwnUsers: ownUser})
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

// benchmarkChecksum compares hashing a file on the host with sha1sum
// (Checksum with onHost, and for files over 256 KiB) with reading it over
// SFTP and hashing it here.
func benchmarkChecksum(b *testing.B, size int, onHost bool) {
	lab := testlab.Shared(b, testlab.Options{Hosts: 3, OwnUsers: true})
	h := lab.Hosts[0]
	c, err := ssh.Dial(context.Background(), hostConfig(lab, h))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	p := h.Dir + "/bench-checksum"
	if err := c.Put(context.Background(), p, bytes.NewReader(make([]byte, size)), transport.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if onHost {
			_, err = c.Run(context.Background(), transport.Command{Argv: []string{"sha1sum", p}})
		} else {
			err = c.Get(context.Background(), p, sha1.New())
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChecksumOnHost1K(b *testing.B)   { benchmarkChecksum(b, 1<<10, true) }
func BenchmarkChecksumOverSFTP1K(b *testing.B) { benchmarkChecksum(b, 1<<10, false) }
func BenchmarkChecksumOnHost1M(b *testing.B)   { benchmarkChecksum(b, 1<<20, true) }
func BenchmarkChecksumOverSFTP1M(b *testing.B) { benchmarkChecksum(b, 1<<20, false) }

// benchmarkPut writes size bytes to one file over and over: a copy or
// template task's write (the file is new each time, as after a reset).
func benchmarkPut(b *testing.B, size int) {
	lab := testlab.Shared(b, testlab.Options{Hosts: 3, OwnUsers: true})
	h := lab.Hosts[0]
	c, err := ssh.Dial(context.Background(), hostConfig(lab, h))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	content := bytes.Repeat([]byte("payload line of the benchmark\n"), size/30+1)[:size]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := c.Put(context.Background(), h.Dir+"/bench-put", bytes.NewReader(content), transport.PutOptions{Mode: 0o644})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPut100(b *testing.B) { benchmarkPut(b, 100) }
func BenchmarkPut87K(b *testing.B) { benchmarkPut(b, 87<<10) }
func BenchmarkPut1M(b *testing.B)  { benchmarkPut(b, 1<<20) }
