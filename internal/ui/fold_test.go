package ui

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/ui -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./internal/ui -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func fleetResults() []HostResult {
	var rs []HostResult
	for i := 1; i <= 45; i++ {
		r := HostResult{Host: "h" + strconv.Itoa(i), Status: StatusOK, Stdout: "6.1.0-18-amd64\n"}
		switch i {
		case 41:
			r = HostResult{Host: "h41", Status: StatusFailed, RC: 2, Stderr: "uname: extra operand\n"}
		case 43:
			r = HostResult{Host: "h43", Status: StatusUnreachable, RC: 0, Msg: "TCP connect to 127.0.1.43:2222: connection refused"}
		case 44, 45:
			r.Stdout = "5.10.0-28-amd64\n"
		}
		rs = append(rs, r)
	}
	rs = append(rs, HostResult{Host: "db01.lab", Status: StatusUnreachable, Msg: "timed out after 10s during SSH handshake"})
	return rs
}

func TestPrintFoldedGolden(t *testing.T) {
	for _, colour := range []bool{false, true} {
		var out bytes.Buffer
		p := &Printer{Out: &out, Err: &out, Colour: colour}
		p.PrintFolded(fleetResults())
		p.Summary(fleetResults(), 1234567*time.Microsecond)
		name := "fold.golden"
		if colour {
			name = "fold-colour.golden"
		}
		golden(t, name, out.Bytes())
	}
}

func TestProgressOnlyWhenLive(t *testing.T) {
	for _, live := range []bool{false, true} {
		var errOut bytes.Buffer
		p := &Printer{Out: &bytes.Buffer{}, Err: &errOut, Live: live}
		g := p.NewProgress("", []string{"h1", "h2"})
		g.Done("h1", StatusOK)
		g.Done("h2", StatusFailed)
		g.Stop()
		got := errOut.String()
		if !live && got != "" {
			t.Errorf("not live: wrote %q", got)
		}
		if live && !bytes.Contains(errOut.Bytes(), []byte("[2/2] · 1 failed")) {
			t.Errorf("live: wrote %q", got)
		}
	}
}
