package playbooks

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drover/drover/internal/testlab"
)

// TestWaitForConnectionHostDown runs wait_for_connection against a real
// sshd host that is down when the task starts and comes back on its own a
// little later: the task waits for it instead of finding the host
// unreachable, and the next task uses the connection it opened.
func TestWaitForConnectionHostDown(t *testing.T) {
	lab := testlab.Start(t, testlab.Options{Hosts: 1})
	inv := writeSSHInventory(t, lab)
	book := filepath.Join(t.TempDir(), "wfc.yml")
	play := `- hosts: localhost
  gather_facts: false
  tasks:
    - wait_for_connection: {timeout: 60, sleep: 1, connect_timeout: 5}
    - command: echo back
      register: r
    - assert: {that: ["r.stdout == 'back'"]}
`
	if err := os.WriteFile(book, []byte(play), 0o644); err != nil {
		t.Fatal(err)
	}
	h := lab.Hosts[0]
	h.Stop()
	restarted := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		restarted <- h.Restart()
	}()
	stats := runBookOver(t, book, inv, true, Options{})
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	if got := stats.Host("localhost"); got.OK != 3 || got.Failed+got.Unreachable != 0 {
		t.Errorf("recap %+v, want 3 ok and no failure", got)
	}
}
