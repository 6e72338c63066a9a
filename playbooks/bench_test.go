package playbooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/internal/testlab"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/hostconn"
	"github.com/drover/drover/transport/local"
)

// site7 is ../shared/bench/ansible/site.yml, the workload compare.sh times.
const site7 = "../../shared/bench/ansible/site.yml"

// BenchmarkSite7 runs site7 unchanged on real sshd hosts, a whole run
// (connections included) per iteration. app and lab_dir are given as extra
// vars so that the run writes under the benchmark's directory.
func BenchmarkSite7(b *testing.B) {
	if _, err := os.Stat(site7); err != nil {
		b.Skip("site7 not found beside the repository: ", err)
	}
	for _, n := range []int{10, 30} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			lab := testlab.Start(b, testlab.Options{Hosts: n, LogLevel: "ERROR", OwnUsers: os.Geteuid() == 0})
			work, err := os.MkdirTemp("", "drover-site7-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { os.RemoveAll(work) })
			if err := os.Chmod(work, 0o777); err != nil { // the lab's users write under it
				b.Fatal(err)
			}
			payload := strings.Repeat("payload line of the benchmark\n", 3000)
			if err = os.WriteFile(filepath.Join(work, "payload.txt"), []byte(payload), 0o644); err != nil {
				b.Fatal(err)
			}
			pb, err := Load(site7, LoadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			inv, err := inventory.Load(context.Background(), []string{lab.Inventory}, inventory.Options{})
			if err != nil {
				b.Fatal(err)
			}
			extra := map[string]any{"lab_dir": work, "app": work + "/{{ inventory_hostname }}/app"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer() // every run starts from hosts without app/, as compare.sh resets them
				for _, h := range lab.Hosts {
					_ = os.RemoveAll(filepath.Join(work, h.Name))
				}
				b.StartTimer()
				stats := runSSH(b, pb, inv, extra)
				if stats.ExitCode() != 0 {
					b.Fatalf("site7 failed: %+v", stats.Host(lab.Hosts[0].Name))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
		})
	}
}

func runSSH(b *testing.B, pb *Playbook, inv *inventory.Inventory, extra map[string]any) *Stats {
	opener, err := hostconn.New(hostconn.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer opener.Close()
	stats, err := Run(context.Background(), pb, Options{Inventory: inv, ExtraVars: extra, Local: local.New(), Forks: 50,
		Connect: func(ctx context.Context, h string, v map[string]any) (transport.Conn, error) {
			return opener.Open(ctx, h, v)
		}})
	if err != nil {
		b.Fatal(err)
	}
	return stats
}

// BenchmarkEngine measures the engine alone: 50 hosts on the local
// connection, seven controller-side tasks (templating, conditionals,
// set_fact, register), no process started.
func BenchmarkEngine(b *testing.B) {
	var inv strings.Builder
	inv.WriteString("all:\n  vars: {ansible_connection: local}\n  hosts:\n")
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&inv, "    h%d: {n: %d}\n", i, i)
	}
	book := `- hosts: all
  gather_facts: false
  vars: {base: 10}
  tasks:
    - set_fact: {x: "{{ n | int * base }}"}
    - debug: {msg: "{{ inventory_hostname }} {{ x }}"}
      register: d
    - assert: {that: ["x | int > 0", "d.msg is defined"]}
    - debug: {var: x}
      when: n | int is even
    - set_fact: {items_: "{{ range(5) | list }}"}
    - debug: {msg: "{{ item }}"}
      loop: "{{ items_ }}"
    - ping:
`
	dir := b.TempDir()
	invPath, bookPath := filepath.Join(dir, "inv.yml"), filepath.Join(dir, "site.yml")
	if err := os.WriteFile(invPath, []byte(inv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(bookPath, []byte(book), 0o644); err != nil {
		b.Fatal(err)
	}
	pb, err := Load(bookPath, LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	in, err := inventory.Load(context.Background(), []string{invPath}, inventory.Options{Unsafe: func(s string) any { return jinja.Unsafe{V: s} }})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stats, err := Run(context.Background(), pb, Options{Inventory: in, Local: local.New(),
			Connect: func(context.Context, string, map[string]any) (transport.Conn, error) { return local.New(), nil }})
		if err != nil || stats.ExitCode() != 0 {
			b.Fatal(err, stats.Host("h1"))
		}
	}
}
