package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks/probe"
	"github.com/drover/drover/transport/hostconn"
)

func init() { register(newCertsCmd) }

// certsOptions are the flags of drover certs.
type certsOptions struct {
	conn       connFlags
	ports      []int
	warn, crit int
	caFile     string
	serverName string
	files      []string
	format     string
	forks      int
	limit      string
	via        string
}

func newCertsCmd() *cobra.Command {
	o := &certsOptions{}
	cmd := &cobra.Command{
		Use:   "certs [-i INVENTORY] [PATTERN] [--port 443 ...] [--warn 30] [--crit 14] [--ca-file F] [--files GLOB ...]",
		Short: "Report the TLS certificates of every host, soonest expiry first",
		Long: `Report the TLS certificates of every host a pattern selects (all by default).

Each port is dialled at the host's ansible_host, from here or, with --via host,
from the host itself through its SSH connection (for ports a firewall keeps from
the controller); the name sent (SNI) and checked is --server-name (templated
per host: '{{ inventory_hostname }}.lab'), else the host's
drover_tls_server_name variable, else its ansible_host when that is a DNS
name, else its inventory name. Trust comes from the system roots or
--ca-file. With --files, certificate files (PEM or DER, bundles too) are also
read from each host over its connection; GLOB takes *, ?, [...] and ** for any
depth. One row per certificate, with its status: OK, WARN, CRIT, EXPIRED,
NOT_YET_VALID, NAME_MISMATCH, UNTRUSTED or ERROR (could not be checked); a
certificate with several problems shows the worst and names them all.

Exit status, as monitoring plugins: 0 all OK, 1 some WARN, 2 some CRIT,
EXPIRED, NOT_YET_VALID, NAME_MISMATCH or UNTRUSTED, 3 some could not be checked
(and none of those).`,
		Example: `  drover certs -i inventory.yml web --port 443 --port 8443
  drover certs -i inventory.yml --warn 30 --crit 7 --format csv
  drover certs -i inventory.yml db --port 5432 --via host
  drover certs -i inventory.yml db --files '/etc/ssl/**/*.pem' --format json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.conn.applyConfig(cmd.Flags()); err != nil {
				return err
			}
			return o.run(cmd.Context(), cmd.OutOrStdout(), args)
		},
	}
	f := cmd.Flags()
	o.conn.register(f)
	f.IntSliceVarP(&o.ports, "port", "p", nil, "TLS port to check on every host (repeatable; 443 unless --files is given)")
	f.IntVar(&o.warn, "warn", 30, "WARN when fewer days than this are left")
	f.IntVar(&o.crit, "crit", 14, "CRIT when fewer days than this are left")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of the roots to trust instead of the system's")
	f.StringVar(&o.serverName, "server-name", "", "TLS name to send and check; {{ }} uses the host's variables (by default drover_tls_server_name, else ansible_host when it is a name, else the inventory name)")
	f.StringArrayVar(&o.files, "files", nil, "certificate files to read on each host (glob, repeatable)")
	f.StringVar(&o.format, "format", probe.FormatTable, "output: table, json or csv")
	f.IntVarP(&o.forks, "forks", "f", 50, "endpoints and hosts to work on at once")
	f.StringVarP(&o.limit, "limit", "l", "", "further limit the selected hosts to this pattern")
	f.StringVar(&o.via, "via", "controller", "where connections to the ports start: controller or host")
	return cmd
}

func (o *certsOptions) run(ctx context.Context, out io.Writer, args []string) (err error) {
	red := o.conn.secrets()
	defer func() { err = maskError(red, err) }()
	masked := red.Writer(out)
	defer masked.Close()
	out = masked
	if err := o.validate(); err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	pattern := ""
	if len(args) == 1 {
		pattern = args[0]
	}
	hosts, err := o.conn.selectHosts(ctx, pattern, o.limit)
	if err != nil {
		return err
	}
	now := time.Now()
	th := probe.Thresholds{WarnDays: o.warn, CriticalDays: o.crit}
	var opener *hostconn.Opener
	if o.via == "host" || len(o.files) > 0 {
		if opener, err = o.conn.opener(ctx); err != nil {
			return err
		}
		defer opener.Close()
	}
	eps, err := o.endpoints(hosts)
	if err != nil {
		return err
	}
	var unreachable []probe.Row
	prog := o.progress(eps, hosts)
	defer prog.Stop()
	if o.via == "host" {
		eps, unreachable = o.viaHosts(ctx, opener, hosts, eps)
		for _, r := range unreachable {
			prog.Done(r.Host, ui.StatusUnreachable)
		}
	}
	rows, err := probe.ScanEndpoints(ctx, eps, probe.ScanOptions{
		Concurrency: o.forks, Timeout: time.Duration(o.conn.timeout) * time.Second,
		TLSClient: probe.TLSClient{CAFile: o.caFile}, Thresholds: th, Now: now,
		Checked: func(ep probe.Endpoint) { prog.Done(ep.Host, ui.StatusOK) },
	})
	if err != nil {
		return exitcode.New(exitcode.BadInput, err)
	}
	rows = append(rows, unreachable...)
	if len(o.files) > 0 {
		rows = append(rows, o.fileRows(ctx, opener, hosts, th, now, prog)...)
	}
	prog.Stop()
	probe.SortRows(rows)
	if ctx.Err() != nil {
		return exitcode.New(exitcode.Interrupted, fmt.Errorf("interrupted"))
	}
	if err := probe.WriteReport(out, rows, o.format); err != nil {
		return err
	}
	if o.format == probe.FormatTable {
		fmt.Fprintln(out, certsSummary(rows))
	}
	return exitcode.New(severityExit(probe.WorstSeverity(rows)), nil)
}

// severityExit is the exit status of a certificate report of severity s,
// as monitoring plugins have it: 0 all OK, 1 some WARN, 2 some CRIT,
// EXPIRED, NOT_YET_VALID, NAME_MISMATCH or UNTRUSTED, 3 some could not be
// checked (and none of those).
func severityExit(s probe.Severity) int {
	switch s {
	case probe.SeverityWarning:
		return exitcode.Warning
	case probe.SeverityUnchecked:
		return exitcode.Unreachable
	case probe.SeverityCritical:
		return exitcode.Failed
	}
	return exitcode.OK
}

// progress starts the live line over every endpoint and, with --files,
// every host whose files are read.
func (o *certsOptions) progress(eps []probe.Endpoint, hosts []*inventory.Host) *ui.Progress {
	var names []string
	for _, ep := range eps {
		names = append(names, ep.Host)
	}
	if len(o.files) > 0 {
		names = append(names, hostNames(hosts)...)
	}
	return ui.New().NewProgress("certs", names)
}

// validate checks the flags.
func (o *certsOptions) validate() error {
	switch {
	case o.forks < 1:
		return fmt.Errorf("--forks must be at least 1, not %d", o.forks)
	case o.warn < 0 || o.crit < 0:
		return fmt.Errorf("--warn and --crit must not be negative")
	case o.conn.timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %d", o.conn.timeout)
	case o.via != "controller" && o.via != "host":
		return fmt.Errorf("--via %q: expected controller or host", o.via)
	}
	switch o.format {
	case probe.FormatTable, probe.FormatJSON, probe.FormatCSV:
	default:
		return fmt.Errorf("--format %q: expected table, json or csv", o.format)
	}
	for _, p := range o.ports {
		if p < 1 || p > 65535 {
			return fmt.Errorf("--port %d: not a port number", p)
		}
	}
	if len(o.ports) == 0 && len(o.files) == 0 {
		o.ports = []int{443}
	}
	return nil
}

// endpoints are every host × port, dialled at the host's address, each
// checked against its host's TLS name (tlsServerName).
func (o *certsOptions) endpoints(hosts []*inventory.Host) ([]probe.Endpoint, error) {
	var eps []probe.Endpoint
	for _, h := range hosts {
		name, err := tlsServerName(o.serverName, h, true)
		if err != nil {
			return nil, exitcode.New(exitcode.BadInput, fmt.Errorf("%s: %w", h.Name, err))
		}
		for _, p := range o.ports {
			eps = append(eps, probe.Endpoint{Host: h.Name, Address: net.JoinHostPort(hostAddress(h), strconv.Itoa(p)), ServerName: name})
		}
	}
	return eps, nil
}

// hostAddress is where a host is dialled: ansible_host, else its name.
func hostAddress(h *inventory.Host) string {
	for _, k := range []string{"ansible_host", "ansible_ssh_host"} {
		if v, ok := h.Vars[k]; ok && v != nil && fmt.Sprint(v) != "" {
			return fmt.Sprint(v)
		}
	}
	return h.Name
}

// fileRows reads the certificate files of every host, forks at a time; a
// host that cannot be reached gives one ERROR row per pattern.
func (o *certsOptions) fileRows(ctx context.Context, opener *hostconn.Opener, hosts []*inventory.Host, th probe.Thresholds, now time.Time, prog *ui.Progress) []probe.Row {
	var rows []probe.Row
	for _, r := range o.eachHost(hosts, func(h *inventory.Host) []probe.Row {
		defer prog.Done(h.Name, ui.StatusOK)
		return o.hostFiles(ctx, opener, h, th, now)
	}) {
		rows = append(rows, r...)
	}
	return rows
}

// eachHost runs fn for every host, forks at a time, and returns the rows of
// each in host order.
func (o *certsOptions) eachHost(hosts []*inventory.Host, fn func(*inventory.Host) []probe.Row) [][]probe.Row {
	perHost := make([][]probe.Row, len(hosts))
	sem := make(chan struct{}, o.forks)
	var wg sync.WaitGroup
	for i, h := range hosts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			perHost[i] = fn(h)
		})
	}
	wg.Wait()
	return perHost
}

// viaHosts connects to every host, forks at a time, and makes its endpoints
// start there. A host that cannot be reached gives one ERROR row per
// endpoint instead.
func (o *certsOptions) viaHosts(ctx context.Context, opener *hostconn.Opener, hosts []*inventory.Host, eps []probe.Endpoint) ([]probe.Endpoint, []probe.Row) {
	origins := map[string]probe.Origin{}
	failed := map[string]string{}
	var mu sync.Mutex
	o.eachHost(hosts, func(h *inventory.Host) []probe.Row {
		conn, err := opener.Open(ctx, h.Name, h.Vars)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed[h.Name] = "unreachable: " + errorReason(ctx, err)
		} else {
			origins[h.Name] = probe.ViaHost(h.Name, conn)
		}
		return nil
	})
	var reached []probe.Endpoint
	var rows []probe.Row
	for _, ep := range eps {
		if reason, ok := failed[ep.Host]; ok {
			rows = append(rows, probe.Row{Host: ep.Host, Endpoint: ep.Address, Status: probe.StatusError, Reason: reason})
			continue
		}
		ep.Origin = origins[ep.Host]
		reached = append(reached, ep)
	}
	return reached, rows
}

// hostFiles connects to one host and reads its certificate files.
func (o *certsOptions) hostFiles(ctx context.Context, opener *hostconn.Opener, h *inventory.Host, th probe.Thresholds, now time.Time) []probe.Row {
	conn, err := opener.Open(ctx, h.Name, h.Vars)
	if err != nil {
		rows := make([]probe.Row, len(o.files))
		for i, pat := range o.files {
			rows[i] = probe.Row{Host: h.Name, Path: pat, Status: probe.StatusError, Reason: "unreachable: " + errorReason(ctx, err)}
		}
		return rows
	}
	return probe.HostFileRows(ctx, conn, h.Name, o.files, th, now)
}

// certsSummary counts the rows by status: "7 certificates · 5 OK · 1 WARN · 1 ERROR".
func certsSummary(rows []probe.Row) string {
	counts := map[probe.Status]int{}
	for _, r := range rows {
		counts[r.Status]++
	}
	noun := "certificates"
	if len(rows) == 1 {
		noun = "certificate"
	}
	parts := []string{fmt.Sprintf("%d %s", len(rows), noun)}
	for _, s := range []probe.Status{probe.StatusOK, probe.StatusWarn, probe.StatusCrit, probe.StatusExpired,
		probe.StatusNotYetValid, probe.StatusNameMismatch, probe.StatusUntrusted, probe.StatusError} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	return strings.Join(parts, " · ")
}
