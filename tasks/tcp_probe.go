package tasks

import (
	"context"

	"github.com/drover/drover/tasks/probe"
)

func init() {
	Register(probeSpec("tcp_probe", append([]Arg{
		{Name: "tls", Type: Bool, Default: false},
		{Name: "starttls", Type: Str, Choices: []string{"smtp", "imap", "pop3", "ftp", "postgres"}},
		{Name: "dialogue", Type: List, Elements: Dict},
		{Name: "read_banner", Type: Bool, Default: false},
	}, tlsClientArgs...), runTCPProbe))
}

// runTCPProbe connects to target (or the host's port) and runs the dialogue.
func runTCPProbe(ctx context.Context, c *Call) (*Result, error) {
	opts := probe.TCPOptions{TLS: c.Args.Bool("tls"), StartTLS: c.Args.Str("starttls"), ReadBanner: c.Args.Bool("read_banner"),
		Timeout: probeTimeout(c), IPVersion: probeIPVersion(c)}
	var err error
	if opts.Target, err = probeTarget(c, 0); err != nil {
		return Failf("%v", err), nil
	}
	if opts.TLSClient, err = tlsClient(c); err != nil {
		return Failf("%v", err), nil
	}
	if c.Args.Has("dialogue") {
		if err := convertInto("dialogue", c.Args["dialogue"], &opts.Dialogue); err != nil {
			return Failf("%v", err), nil
		}
	}
	origin, err := probeOrigin(c)
	if err != nil {
		return Failf("%v", err), nil
	}
	res, err := probe.TCP(ctx, origin, opts)
	return probeResult(res, err, nil)
}
