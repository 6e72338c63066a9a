package tasks

import (
	"context"
	"fmt"

	"github.com/drover/drover/tasks/probe"
)

func init() {
	Register(probeSpec("http_probe", append([]Arg{
		{Name: "url", Type: Str},
		{Name: "method", Type: Str, Default: "GET"},
		{Name: "headers", Type: Dict},
		{Name: "body", Type: Str},
		{Name: "url_username", Aliases: []string{"user"}, Type: Str},
		{Name: "url_password", Aliases: []string{"password"}, Type: Str, NoLog: true},
		{Name: "bearer_token", Type: Str, NoLog: true},
		{Name: "valid_status", Aliases: []string{"status_code"}, Type: List, Elements: Str},
		{Name: "follow_redirects", Type: Bool, Default: true},
		{Name: "body_matches", Type: List, Elements: Str},
		{Name: "body_not_matches", Type: List, Elements: Str},
		{Name: "header_matches", Type: Dict},
		{Name: "json_path", Type: List, Elements: Dict},
		{Name: "proxy", Type: Str},
		{Name: "return_content", Type: Bool, Default: false},
	}, tlsClientArgs...), runHTTPProbe))
}

// runHTTPProbe requests url (or target, or http://HOST[:port]/) and checks
// the response.
func runHTTPProbe(ctx context.Context, c *Call) (*Result, error) {
	follow := c.Args.Bool("follow_redirects")
	opts := probe.HTTPOptions{URL: c.Args.Str("url"), Method: c.Args.Str("method"), Body: c.Args.Str("body"),
		User: c.Args.Str("url_username"), Password: c.Args.Str("url_password"), BearerToken: c.Args.Str("bearer_token"),
		ValidStatus: c.Args.Strings("valid_status"), FollowRedirects: &follow, BodyMatches: c.Args.Strings("body_matches"),
		BodyNotMatches: c.Args.Strings("body_not_matches"), Proxy: c.Args.Str("proxy"),
		ReturnContent: c.Args.Bool("return_content"), Timeout: probeTimeout(c), IPVersion: probeIPVersion(c)}
	if opts.URL == "" {
		opts.URL = c.Args.Str("target")
	}
	if opts.URL == "" {
		opts.URL = "http://" + hostAddr(c) + "/"
		if p := c.Args.Int("port"); p != 0 {
			opts.URL = fmt.Sprintf("http://%s/", probeHostPort(hostAddr(c), p))
		}
	}
	var err error
	if opts.TLSClient, err = tlsClient(c); err != nil {
		return Failf("%v", err), nil
	}
	for _, a := range []struct {
		arg string
		dst any
	}{{"headers", &opts.Headers}, {"header_matches", &opts.HeaderMatches}, {"json_path", &opts.JSONPath}} {
		if c.Args.Has(a.arg) {
			if err := convertInto(a.arg, stringValues(c.Args[a.arg]), a.dst); err != nil {
				return Failf("%v", err), nil
			}
		}
	}
	origin, err := probeOrigin(c)
	if err != nil {
		return Failf("%v", err), nil
	}
	res, err := probe.HTTP(ctx, origin, opts)
	return probeResult(res, err, nil)
}

// stringValues turns the values of a mapping into strings (a header given
// as a number in YAML); other values are returned as they are.
func stringValues(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		if s, err := ToStr(x); err == nil {
			out[k] = s
		} else {
			out[k] = x
		}
	}
	return out
}
