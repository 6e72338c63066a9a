package main

import (
	"syscall"
	"testing"

	"github.com/drover/drover/internal/testlab"
)

// BenchmarkChattyHosts runs a task whose command writes 200 MB to stdout
// on five real sshd hosts at once, registered, and reports drover's peak
// RSS (peak-RSS-MB): what the controller holds is bounded by the output
// limit per host (DROVER_OUTPUT_LIMIT), not by what the hosts write.
func BenchmarkChattyHosts(b *testing.B) {
	lab := testlab.Shared(b, testlab.Options{Hosts: 5})
	book := writeFileTB(b, b.TempDir(), "book.yml", `- hosts: all
  gather_facts: false
  tasks:
    - shell: head -c 200000000 /dev/zero | tr '\0' x
      register: out
    - debug: msg="{{ out.stdout | length }}"
`)
	var peak int64
	for b.Loop() {
		cmd := drover(nil, "play", "-i", lab.Inventory, "-f", "5", book)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		peak = max(peak, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
}
