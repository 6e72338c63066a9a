package tasks

import (
	"context"

	"github.com/drover/drover/tasks/probe"
)

func init() {
	Register(probeSpec("tls_probe", append([]Arg{
		{Name: "starttls", Type: Str, Choices: []string{"smtp", "imap", "pop3", "ftp", "postgres"}},
		{Name: "warn_days", Type: Int, Default: 0},
		{Name: "critical_days", Type: Int, Default: 0},
		{Name: "expect_issuer", Type: Str},
		{Name: "expect_sans", Type: List, Elements: Str},
	}, tlsClientArgs...), runTLSProbe))
}

// runTLSProbe handshakes with target (or the host's port, 443 by default)
// and checks the certificate; the name checked defaults to the inventory
// name when no target is given.
func runTLSProbe(ctx context.Context, c *Call) (*Result, error) {
	opts := probe.TLSOptions{StartTLS: c.Args.Str("starttls"), ExpectIssuer: c.Args.Str("expect_issuer"),
		ExpectSANs: c.Args.Strings("expect_sans"), Timeout: probeTimeout(c), IPVersion: probeIPVersion(c),
		Thresholds: probe.Thresholds{WarnDays: c.Args.Int("warn_days"), CriticalDays: c.Args.Int("critical_days")}}
	var err error
	if opts.Target, err = probeTarget(c, 443); err != nil {
		return Failf("%v", err), nil
	}
	if opts.TLSClient, err = tlsClient(c); err != nil {
		return Failf("%v", err), nil
	}
	if opts.ServerName == "" && c.Args.Str("target") == "" {
		opts.ServerName = c.Host
	}
	origin, err := probeOrigin(c)
	if err != nil {
		return Failf("%v", err), nil
	}
	res, err := probe.TLS(ctx, origin, opts)
	return probeResult(res, err, res.Warnings)
}
