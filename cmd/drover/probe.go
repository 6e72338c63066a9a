package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/suggest"
	"github.com/drover/drover/internal/ui"
	"github.com/drover/drover/inventory"
	"github.com/drover/drover/tasks/probe"
	"github.com/drover/drover/transport/hostconn"
)

func init() { register(newProbeCmd) }

// probeOptions are the flags every probe kind shares.
type probeOptions struct {
	conn      connFlags
	target    string
	port      int
	via       string
	ipVersion string
	forks     int
	limit     string
	json      bool
	results   sync.Map // host name → probe result, for --json
}

// probeKind is one kind of probe: its flags and the function that runs it
// against one target from one origin.
type probeKind struct {
	name, short, example string
	flags                func(*pflag.FlagSet)
	// defaultTarget builds the target from a host's address when --target
	// is not given; "" means --target is required, unless optionalTarget.
	defaultTarget  func(addr string, port int) string
	optionalTarget bool
	run            func(ctx context.Context, o probe.Origin, h *inventory.Host, target string, common *probeOptions) (summary string, result any, err error)
}

func newProbeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "probe KIND [-i INVENTORY] [PATTERN] [flags]",
		Short: "Check TCP ports, DNS, TLS and HTTP endpoints across hosts, from here or through each host",
		Long: `Check TCP ports, DNS, TLS and HTTP endpoints across the hosts a pattern
selects (all by default), in parallel. --target may use the host's variables:
--target '{{ ansible_host }}:8443'. --via host dials from each host through its
SSH connection instead of from here. Output and exit status are drover run's.`,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return exitcode.Errorf(exitcode.Usage, "probe KIND: expected tcp, dns, tls or http")
			}
			return exitcode.Errorf(exitcode.Usage, "probe %q: expected tcp, dns, tls or http%s", args[0],
				suggest.Hint(args[0], []string{"tcp", "dns", "tls", "http"}))
		},
	}
	for _, k := range []probeKind{tcpKind(), tlsKind(), dnsKind(), httpKind()} {
		cmd.AddCommand(k.command())
	}
	return cmd
}

// command builds the subcommand of one probe kind.
func (k probeKind) command() *cobra.Command {
	o := &probeOptions{}
	cmd := &cobra.Command{
		Use:     k.name + " [-i INVENTORY] [PATTERN] [flags]",
		Short:   k.short,
		Example: k.example,
		Args:    usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.conn.applyConfig(cmd.Flags()); err != nil {
				return err
			}
			return o.run(cmd.Context(), k, args)
		},
	}
	f := cmd.Flags()
	o.conn.register(f)
	f.StringVarP(&o.target, "target", "t", "", "what to probe; {{ }} uses the host's variables")
	f.IntVarP(&o.port, "port", "p", 0, "port on each host (when --target is not given)")
	f.StringVar(&o.via, "via", "controller", "where connections start: controller or host")
	f.StringVar(&o.ipVersion, "ip-version", "auto", "4, 6 or auto")
	f.IntVarP(&o.forks, "forks", "f", 50, "hosts to work on at once")
	f.StringVarP(&o.limit, "limit", "l", "", "further limit the selected hosts to this pattern")
	f.BoolVar(&o.json, "json", false, "print one JSON object per host result")
	k.flags(f)
	return cmd
}

// tlsClientFlags registers the TLS client flags into c.
func tlsClientFlags(f *pflag.FlagSet, c *probe.TLSClient) {
	f.StringVar(&c.ServerName, "server-name", "", "TLS name to send and check; {{ }} uses the host's variables (by default drover_tls_server_name, else the target's host, or for tls without --target ansible_host or the inventory name)")
	f.StringVar(&c.CAFile, "ca-file", "", "PEM roots to trust instead of the system's")
	f.StringVar(&c.ClientCert, "client-cert", "", "PEM client certificate")
	f.StringVar(&c.ClientKey, "client-key", "", "PEM key of the client certificate")
	f.StringVar(&c.MinVersion, "min-version", "", "fail below this TLS version: 1.0, 1.1, 1.2, 1.3")
	f.BoolVar(&c.Insecure, "insecure", false, "inspect the certificate without verifying it")
}

func (o *probeOptions) run(ctx context.Context, k probeKind, args []string) (err error) {
	red := o.conn.secrets()
	defer func() { err = maskError(red, err) }()
	if err := o.validate(k); err != nil {
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
	var opener *hostconn.Opener
	if o.via == "host" {
		if opener, err = o.conn.opener(ctx); err != nil {
			return err
		}
		defer opener.Close()
	}
	p := ui.New()
	start := time.Now()
	results := runAll(ctx, hosts, o.forks, o.sink(p, hostNames(hosts)), func(ctx context.Context, h *inventory.Host) ui.HostResult {
		return maskHostResult(red, o.probeHost(ctx, k, opener, h))
	})
	if !o.json && len(hosts) > 0 {
		p.PrintFolded(results)
		p.Summary(results, time.Since(start))
	}
	return runStatus(ctx, results, len(hosts))
}

// validate checks the shared flags.
func (o *probeOptions) validate(k probeKind) error {
	switch {
	case o.forks < 1:
		return fmt.Errorf("--forks must be at least 1, not %d", o.forks)
	case o.conn.timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %d", o.conn.timeout)
	case o.via != "controller" && o.via != "host":
		return fmt.Errorf("--via %q: expected controller or host", o.via)
	case o.port < 0 || o.port > 65535:
		return fmt.Errorf("--port %d: not a port number", o.port)
	case o.target == "" && k.defaultTarget(hostAddrPlaceholder, o.port) == "" && !k.optionalTarget:
		return fmt.Errorf("probe %s needs --target (or --port)", k.name)
	}
	_, err := probe.ParseIPVersion(o.ipVersion)
	return err
}

// hostAddrPlaceholder stands for a host's address when checking that a
// default target can be built.
const hostAddrPlaceholder = "host"

// probeHost runs the probe for one host and folds it into a host result.
func (o *probeOptions) probeHost(ctx context.Context, k probeKind, opener *hostconn.Opener, h *inventory.Host) (r ui.HostResult) {
	start := time.Now()
	r = ui.HostResult{Host: h.Name, Status: ui.StatusOK}
	defer func() { r.Duration = time.Since(start) }()
	target, err := o.targetFor(k, h)
	if err != nil {
		r.Status, r.Msg = ui.StatusFailed, err.Error()
		return r
	}
	origin := probe.Controller()
	if opener != nil {
		conn, err := opener.Open(ctx, h.Name, h.Vars)
		if err != nil {
			r.Status, r.Msg = hostStatus(ctx, r, err), errorReason(ctx, err)
			return r
		}
		origin = probe.ViaHost(h.Name, conn)
	}
	summary, result, err := k.run(ctx, origin, h, target, o)
	r.Stdout = summary
	if err != nil {
		r.Status, r.Msg = ui.StatusFailed, err.Error()
		r.Cause = failureCause(r.Msg, target, hostAddress(h))
		if ctx.Err() != nil {
			r.Msg, r.Cause = "interrupted", ""
		}
	} else if tr, ok := result.(probe.TLSResult); ok && len(tr.Warnings) > 0 {
		r.Status, r.Msg = ui.StatusWarning, strings.Join(tr.Warnings, "\n")
	}
	o.remember(h.Name, result)
	return r
}

// failureCause is a probe's error without the host's target and address,
// which differ from host to host, so that hosts failing for the same reason
// fold together: "connect to <target>: connection refused".
func failureCause(msg, target, addr string) string {
	var pairs []string
	if target != "" {
		pairs = append(pairs, target, "<target>")
	}
	if addr != "" && addr != target {
		pairs = append(pairs, addr, "<address>")
	}
	if cause := strings.NewReplacer(pairs...).Replace(msg); cause != msg {
		return cause
	}
	return ""
}

// targetFor is the target for host h: --target templated with the host's
// variables, or the kind's default built from its address and --port.
func (o *probeOptions) targetFor(k probeKind, h *inventory.Host) (string, error) {
	if o.target == "" {
		return k.defaultTarget(hostAddress(h), o.port), nil
	}
	return hostTemplate("--target", o.target, h)
}

// remember keeps a host's probe result for the JSON sink.
func (o *probeOptions) remember(host string, result any) {
	if o.json {
		o.results.Store(host, result)
	}
}

// sink prints progress, or one JSON object per host with --json.
func (o *probeOptions) sink(p *ui.Printer, names []string) sink {
	if !o.json {
		prog := p.NewProgress("", names)
		return func(r ui.HostResult) {
			if r.Host == "" {
				prog.Stop()
				return
			}
			prog.Done(r.Host, r.Status)
		}
	}
	enc := json.NewEncoder(p.Out)
	var mu sync.Mutex
	return func(r ui.HostResult) {
		if r.Host == "" {
			return
		}
		result, _ := o.results.Load(r.Host)
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(probeJSON{Host: r.Host, Status: string(r.Status), Msg: r.Msg, Result: result, Duration: r.Duration.Seconds()})
	}
}

// probeJSON is one line of drover probe --json.
type probeJSON struct {
	Host     string  `json:"host"`
	Status   string  `json:"status"`
	Msg      string  `json:"msg,omitempty"`
	Result   any     `json:"result,omitempty"`
	Duration float64 `json:"duration"`
}

// timeout is the probe timeout of the flags.
func (o *probeOptions) timeout() time.Duration { return time.Duration(o.conn.timeout) * time.Second }

// ipv is the address family of the flags (validated).
func (o *probeOptions) ipv() probe.IPVersion {
	v, _ := probe.ParseIPVersion(o.ipVersion)
	return v
}

// hostPort joins a host address and port, or "" without a port.
func hostPort(addr string, port int) string {
	if port == 0 {
		return ""
	}
	return net.JoinHostPort(addr, strconv.Itoa(port))
}

// tcpKind is drover probe tcp.
func tcpKind() probeKind {
	var opts probe.TCPOptions
	var dialogue string
	return probeKind{
		name: "tcp", short: "Connect to a TCP port, optionally talk to it, optionally over TLS or STARTTLS",
		example: `  drover probe tcp -i inv.yml db --port 5432
  drover probe tcp -i inv.yml mail --port 25 --dialogue '[{expect: "^220"}, {send: "QUIT"}]'
  drover probe tcp -i inv.yml mail --port 587 --starttls smtp --via host`,
		flags: func(f *pflag.FlagSet) {
			f.BoolVar(&opts.TLS, "tls", false, "start TLS right after connecting")
			f.StringVar(&opts.StartTLS, "starttls", "", "upgrade with STARTTLS: smtp, imap, pop3, ftp or postgres")
			f.BoolVar(&opts.ReadBanner, "read-banner", false, "wait for the server's first line")
			f.StringVar(&dialogue, "dialogue", "", "YAML list of steps: expect, expect_bytes, send, send_bytes")
			tlsClientFlags(f, &opts.TLSClient)
		},
		defaultTarget: hostPort,
		run: func(ctx context.Context, o probe.Origin, h *inventory.Host, target string, c *probeOptions) (string, any, error) {
			steps, err := parseDialogue(dialogue)
			if err != nil {
				return "", nil, err
			}
			run := opts
			run.Target, run.Timeout, run.IPVersion, run.Dialogue = target, c.timeout(), c.ipv(), steps
			if run.TLSClient, err = hostTLSClient(opts.TLSClient, h, false); err != nil {
				return "", nil, err
			}
			res, err := probe.TCP(ctx, o, run)
			return tcpSummary(res, err), res, err
		},
	}
}

// parseDialogue reads the --dialogue YAML list.
func parseDialogue(s string) ([]probe.Step, error) {
	if s == "" {
		return nil, nil
	}
	var raw []map[string]string
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("--dialogue: %v", err)
	}
	steps := make([]probe.Step, len(raw))
	for i, m := range raw {
		for k, v := range m {
			switch k {
			case "expect":
				steps[i].Expect = v
			case "expect_bytes":
				steps[i].ExpectBytes = v
			case "send":
				steps[i].Send = v
			case "send_bytes":
				steps[i].SendBytes = v
			default:
				return nil, fmt.Errorf("--dialogue step %d: unknown key %q (expect, expect_bytes, send, send_bytes)", i+1, k)
			}
		}
	}
	return steps, nil
}

// tcpSummary is what a TCP probe shows: open, the banner and captures.
func tcpSummary(r probe.TCPResult, err error) string {
	var lines []string
	if err == nil {
		lines = append(lines, "open")
		if r.TLS != nil {
			lines[0] += " · " + r.TLS.Version
		}
	}
	if r.Banner != "" {
		lines = append(lines, "banner: "+r.Banner)
	}
	for _, m := range r.Matches {
		lines = append(lines, "matched: "+m.Line)
	}
	return strings.Join(lines, "\n")
}

// tlsKind is drover probe tls.
func tlsKind() probeKind {
	var opts probe.TLSOptions
	return probeKind{
		name: "tls", short: "Handshake with a TLS endpoint and check its certificate",
		example: `  drover probe tls -i inv.yml web --warn 30 --crit 14
  drover probe tls -i inv.yml --target '{{ ansible_host }}:8443' --server-name api.example.com`,
		flags: func(f *pflag.FlagSet) {
			f.StringVar(&opts.StartTLS, "starttls", "", "upgrade with STARTTLS first: smtp, imap, pop3, ftp or postgres")
			f.IntVar(&opts.WarnDays, "warn", 0, "warn when fewer days than this are left")
			f.IntVar(&opts.CriticalDays, "crit", 0, "fail when fewer days than this are left")
			f.StringVar(&opts.ExpectIssuer, "expect-issuer", "", "regular expression the issuer must match")
			f.StringArrayVar(&opts.ExpectSANs, "expect-san", nil, "name the certificate must hold (repeatable)")
			tlsClientFlags(f, &opts.TLSClient)
		},
		defaultTarget: func(addr string, port int) string { return hostPort(addr, cmpPort(port, 443)) },
		run: func(ctx context.Context, o probe.Origin, h *inventory.Host, target string, c *probeOptions) (string, any, error) {
			run := opts
			run.Target, run.Timeout, run.IPVersion = target, c.timeout(), c.ipv()
			var err error
			if run.TLSClient, err = hostTLSClient(opts.TLSClient, h, c.target == ""); err != nil {
				return "", nil, err
			}
			res, err := probe.TLS(ctx, o, run)
			return tlsSummary(res), res, err
		},
	}
}

// cmpPort is port, or def when port is zero.
func cmpPort(port, def int) int {
	if port == 0 {
		return def
	}
	return port
}

// tlsSummary is what a TLS probe shows.
func tlsSummary(r probe.TLSResult) string {
	if len(r.Chain) == 0 {
		return ""
	}
	return fmt.Sprintf("%s · %s\nsubject %s · SANs %s\nissuer %s\nexpires %s (%d days) · %s",
		r.Version, r.Cipher, r.Leaf.Subject, strings.Join(r.Leaf.SANs, ","), r.Leaf.Issuer,
		r.Leaf.NotAfter.Format("2006-01-02"), r.DaysLeft, r.Status)
}

// dnsKind is drover probe dns.
func dnsKind() probeKind {
	var opts probe.DNSOptions
	var answer probe.SectionCheck
	var count int
	var noRecursion bool
	return probeKind{
		name: "dns", short: "Query a DNS server and check the answer",
		example: `  drover probe dns -i inv.yml resolvers --name example.com --type MX --target '{{ ansible_host }}'
  drover probe dns -i inv.yml web --via host --transport tcp --name db.internal --contains 10.0.0.5`,
		flags: func(f *pflag.FlagSet) {
			f.StringVar(&opts.Name, "name", "", "name to query")
			f.StringVar(&opts.Type, "type", "A", "record type: A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA, ...")
			f.StringVar(&opts.Class, "class", "IN", "query class")
			f.StringVar(&opts.Transport, "transport", "udp", "udp, tcp or tls (only tcp and tls --via host)")
			f.BoolVar(&noRecursion, "no-recursion", false, "clear the recursion desired flag")
			f.StringArrayVar(&opts.ValidRcodes, "valid-rcode", nil, "accepted response code (repeatable; NOERROR by default)")
			f.StringArrayVar(&answer.Contains, "contains", nil, "value some answer record must have (repeatable)")
			f.StringArrayVar(&answer.Matches, "matches", nil, "regular expression some answer record must match (repeatable)")
			f.IntVar(&count, "count", -1, "exact number of answer records")
			tlsClientFlags(f, &opts.TLSClient)
		},
		// The server is the target; without one, the origin's resolver.
		defaultTarget: hostPort, optionalTarget: true,
		run: func(ctx context.Context, o probe.Origin, h *inventory.Host, target string, c *probeOptions) (string, any, error) {
			run := opts
			run.Server, run.Timeout, run.IPVersion = target, c.timeout(), c.ipv()
			recursion := !noRecursion
			run.Recursion = &recursion
			check := answer
			if count >= 0 {
				check.Count = &count
			}
			run.Answer = &check
			var err error
			if run.TLSClient, err = hostTLSClient(opts.TLSClient, h, false); err != nil {
				return "", nil, err
			}
			res, err := probe.DNS(ctx, o, run)
			return dnsSummary(res), res, err
		},
	}
}

// dnsSummary is what a DNS probe shows: rcode and answers.
func dnsSummary(r probe.DNSResult) string {
	if r.Rcode == "" {
		return ""
	}
	lines := []string{r.Rcode}
	for _, rr := range r.Answer {
		lines = append(lines, fmt.Sprintf("%s %s %s", rr.Name, rr.Type, rr.Value))
	}
	return strings.Join(lines, "\n")
}

// httpKind is drover probe http.
func httpKind() probeKind {
	var opts probe.HTTPOptions
	var headers, headerMatches, jsonPaths []string
	var noFollow bool
	return probeKind{
		name: "http", short: "Send an HTTP request and check the response",
		example: `  drover probe http -i inv.yml web --target 'http://{{ ansible_host }}:8080/healthz'
  drover probe http -i inv.yml web --port 443 --status 2xx --json-path status=ok --via host`,
		flags: func(f *pflag.FlagSet) {
			f.StringVarP(&opts.Method, "method", "X", "GET", "request method")
			f.StringArrayVarP(&headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
			f.StringVar(&opts.Body, "body", "", "request body")
			f.StringVar(&opts.User, "url-username", "", "basic authentication user")
			f.StringVar(&opts.Password, "url-password", "", "basic authentication password")
			f.StringVar(&opts.BearerToken, "bearer-token", "", "bearer token")
			f.StringArrayVar(&opts.ValidStatus, "status", nil, "accepted status: 200, 2xx or 200-399 (repeatable; 2xx by default)")
			f.BoolVar(&noFollow, "no-follow", false, "do not follow redirects")
			f.StringArrayVar(&opts.BodyMatches, "body-matches", nil, "regular expression the body must match (repeatable)")
			f.StringArrayVar(&opts.BodyNotMatches, "body-not-matches", nil, "regular expression the body must not match (repeatable)")
			f.StringArrayVar(&headerMatches, "header-matches", nil, "'Name=regexp' a response header must match (repeatable)")
			f.StringArrayVar(&jsonPaths, "json-path", nil, "'a.b[0]=value' the JSON body must hold (repeatable)")
			f.StringVar(&opts.Proxy, "proxy", "", "proxy URL")
			tlsClientFlags(f, &opts.TLSClient)
		},
		defaultTarget: func(addr string, port int) string {
			switch port {
			case 0, 80:
				return "http://" + hostBracket(addr) + "/"
			case 443:
				return "https://" + hostBracket(addr) + "/"
			}
			return "http://" + net.JoinHostPort(addr, strconv.Itoa(port)) + "/"
		},
		run: func(ctx context.Context, o probe.Origin, h *inventory.Host, target string, c *probeOptions) (string, any, error) {
			run := opts
			run.URL, run.Timeout, run.IPVersion = target, c.timeout(), c.ipv()
			follow := !noFollow
			run.FollowRedirects = &follow
			var err error
			if run.Headers, err = splitPairs("--header", headers, ":"); err != nil {
				return "", nil, err
			}
			if run.HeaderMatches, err = splitPairs("--header-matches", headerMatches, "="); err != nil {
				return "", nil, err
			}
			if run.JSONPath, err = parseJSONPaths(jsonPaths); err != nil {
				return "", nil, err
			}
			if run.TLSClient, err = hostTLSClient(opts.TLSClient, h, false); err != nil {
				return "", nil, err
			}
			res, err := probe.HTTP(ctx, o, run)
			return httpSummary(res), res, err
		},
	}
}

// hostBracket puts an IPv6 address in brackets for a URL.
func hostBracket(addr string) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]"
	}
	return addr
}

// splitPairs splits "name SEP value" flags into a map.
func splitPairs(flag string, pairs []string, sep string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, sep)
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s %q: expected NAME%sVALUE", flag, p, sep)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// parseJSONPaths reads --json-path 'path=value'; the value is read as YAML
// (3 is a number, true a boolean, anything else a string).
func parseJSONPaths(flags []string) ([]probe.JSONCheck, error) {
	var out []probe.JSONCheck
	for _, f := range flags {
		path, raw, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("--json-path %q: expected PATH=VALUE", f)
		}
		var v any
		if err := yaml.Unmarshal([]byte(raw), &v); err != nil || raw == "" {
			v = raw
		}
		out = append(out, probe.JSONCheck{Path: path, Equals: v})
	}
	return out, nil
}

// httpSummary is what an HTTP probe shows.
func httpSummary(r probe.HTTPResult) string {
	if r.Status == 0 {
		return ""
	}
	s := fmt.Sprintf("%d · %s · %d bytes", r.Status, r.HTTPVersion, r.BodySize)
	if r.Redirects > 0 {
		s += fmt.Sprintf(" · %d redirects to %s", r.Redirects, r.URL)
	}
	return s
}
