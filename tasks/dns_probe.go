package tasks

import (
	"context"

	"github.com/drover/drover/tasks/probe"
)

func init() {
	Register(probeSpec("dns_probe", append([]Arg{
		{Name: "name", Aliases: []string{"query_name"}, Type: Str, Required: true},
		{Name: "type", Aliases: []string{"query_type"}, Type: Str, Default: "A"},
		{Name: "class", Type: Str, Default: "IN"},
		{Name: "server", Type: Str},
		{Name: "transport", Type: Str, Default: "udp", Choices: []string{"udp", "tcp", "tls"}},
		{Name: "recursion", Type: Bool, Default: true},
		{Name: "valid_rcodes", Type: List, Elements: Str},
		{Name: "answer", Type: Dict},
		{Name: "authority", Type: Dict},
		{Name: "additional", Type: Dict},
	}, tlsClientArgs...), runDNSProbe))
}

// runDNSProbe sends one query to server (target, or the origin's resolver)
// and checks the response.
func runDNSProbe(ctx context.Context, c *Call) (*Result, error) {
	recursion := c.Args.Bool("recursion")
	opts := probe.DNSOptions{Name: c.Args.Str("name"), Type: c.Args.Str("type"), Class: c.Args.Str("class"),
		Server: c.Args.Str("server"), Transport: c.Args.Str("transport"), Recursion: &recursion,
		ValidRcodes: c.Args.Strings("valid_rcodes"), Timeout: probeTimeout(c), IPVersion: probeIPVersion(c)}
	if opts.Server == "" {
		opts.Server = c.Args.Str("target")
	}
	var err error
	if opts.TLSClient, err = tlsClient(c); err != nil {
		return Failf("%v", err), nil
	}
	for _, s := range []struct {
		arg string
		dst **probe.SectionCheck
	}{{"answer", &opts.Answer}, {"authority", &opts.Authority}, {"additional", &opts.Additional}} {
		if !c.Args.Has(s.arg) {
			continue
		}
		*s.dst = &probe.SectionCheck{}
		if err := convertInto(s.arg, c.Args.Dict(s.arg), *s.dst); err != nil {
			return Failf("%v", err), nil
		}
	}
	origin, err := probeOrigin(c)
	if err != nil {
		return Failf("%v", err), nil
	}
	res, err := probe.DNS(ctx, origin, opts)
	return probeResult(res, err, nil)
}
