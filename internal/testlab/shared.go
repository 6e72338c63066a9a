package testlab

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// shared holds the labs of a test binary that runs under Main.
var shared struct {
	mu   sync.Mutex
	main bool
	labs map[Options]*Lab
	errs map[Options]error
}

// Main runs a package's tests (call it from TestMain) and stops the labs
// Shared started before the process exits.
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	for _, l := range shared.labs {
		l.Close()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// Shared returns the lab started with opts for this test binary, starting
// it on first use, so every test of a package reuses one set of hosts. The
// package's TestMain must call Main. Hosts a test adds with AddHost stay for
// the other tests too.
func Shared(t testing.TB, opts Options) *Lab {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.main {
		t.Fatal("testlab.Shared needs TestMain to call testlab.Main(m)")
	}
	if l := shared.labs[opts]; l != nil {
		return l
	}
	if err := shared.errs[opts]; err != nil {
		missing(t, err)
		t.Fatal(err)
	}
	l, err := New(opts)
	if err != nil {
		if shared.errs == nil {
			shared.errs = map[Options]error{}
		}
		shared.errs[opts] = fmt.Errorf("shared lab: %w", err)
		missing(t, err)
		t.Fatal(err)
	}
	if shared.labs == nil {
		shared.labs = map[Options]*Lab{}
	}
	shared.labs[opts] = l
	return l
}
