package playbooks

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/drover/drover/internal/jinja"
	"github.com/drover/drover/tasks"
)

// The url lookup plugin: the content of each URL, fetched from the
// controller with the HTTP client of the uri and get_url modules.

// urlOptions are the url plugin's keyword options.
var urlOptions = []string{"validate_certs", "split_lines", "use_proxy", "username", "password", "headers", "force",
	"timeout", "http_agent", "force_basic_auth", "follow_redirects", "use_gssapi", "use_netrc", "unix_socket",
	"ca_path", "unredirected_headers", "ciphers"}

// lookupURL is the url plugin.
func lookupURL(lc *lookupCtx, terms []any, opts lookupOpts) ([]any, error) {
	base, err := urlRequest(opts)
	if err != nil {
		return nil, err
	}
	split, err := opts.boolOpt("split_lines", true)
	if err != nil {
		return nil, err
	}
	if base.Password != "" && lc.ps.run.opts.Redactor != nil {
		lc.ps.run.opts.Redactor.Add(base.Password)
	}
	var out []any
	for _, term := range terms {
		body, err := lc.fetchURL(pyStr(term), *base)
		if err != nil {
			return nil, err
		}
		if !split {
			out = append(out, body)
			continue
		}
		for _, l := range pySplitlines(body) {
			out = append(out, l)
		}
	}
	return out, nil
}

// urlRequest reads the options into a request (without its URL).
func urlRequest(opts lookupOpts) (*tasks.HTTPRequest, error) {
	for _, k := range []string{"use_gssapi", "unix_socket", "ciphers"} {
		if v, ok := opts[k]; ok && v != nil && v != false {
			return nil, optionsErrorf("url lookup: option %s is not supported by drover", k)
		}
	}
	req := &tasks.HTTPRequest{Method: "GET", Agent: "ansible-httpget", Follow: "urllib2", Timeout: 10 * time.Second,
		Headers: map[string]string{}}
	bools := []struct {
		name string
		def  bool
		dst  *bool
	}{{"validate_certs", true, &req.ValidateCerts}, {"use_proxy", true, &req.UseProxy}, {"force", false, &req.Force},
		{"force_basic_auth", false, &req.ForceBasic}, {"use_netrc", true, &req.UseNetrc}}
	for _, b := range bools {
		v, err := opts.boolOpt(b.name, b.def)
		if err != nil {
			return nil, err
		}
		*b.dst = v
	}
	req.Username, _ = opts.strOpt("username")
	req.Password, _ = opts.strOpt("password")
	req.CAPath, _ = opts.strOpt("ca_path")
	if s, ok := opts.strOpt("http_agent"); ok {
		req.Agent = s
	}
	if s, ok := opts.strOpt("follow_redirects"); ok {
		req.Follow = s
	}
	if v, ok := opts["timeout"]; ok && v != nil {
		f, err := tasks.ToFloat(jinja.ToPlain(unwrap(v)))
		if err != nil {
			return nil, optionsErrorf("Invalid type for configuration option timeout: %v", err)
		}
		req.Timeout = time.Duration(f * float64(time.Second))
	}
	if v, ok := opts["headers"]; ok && v != nil {
		if !isMap(v) {
			return nil, optionsErrorf("Invalid type for configuration option headers: %s is not a dictionary", pyRepr(v))
		}
		for _, k := range mapKeysOf(v) {
			hv, _ := mapValue(v, k)
			req.Headers[pyStr(k)] = pyStr(hv)
		}
	}
	for _, h := range opts.listOpt("unredirected_headers") {
		req.Unredirected = append(req.Unredirected, strings.ToLower(pyStr(h)))
	}
	return req, nil
}

// fetchURL gets one URL's body, with the url plugin's messages for what
// went wrong.
func (lc *lookupCtx) fetchURL(u string, req tasks.HTTPRequest) (string, error) {
	req.URL = u
	c := &tasks.Call{Conn: lc.ps.run.opts.Local, Environment: controllerProxyEnv()}
	if c.Conn == nil {
		return "", unhandledErrorf("Failed lookup url for %s : no local connection", u)
	}
	resp, err := tasks.DoHTTP(lc.ps.run.ctx, c, &req)
	if err != nil {
		return "", err
	}
	defer resp.Close()
	msg := pyStr(resp.Info["msg"])
	switch {
	case resp.Status < 0:
		return "", unhandledErrorf("Failed lookup url for %s : %s", u, strings.TrimPrefix(msg, "Request failed: "))
	case resp.Body == nil:
		return "", unhandledErrorf("Received HTTP error for %s : %s", u, msg)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", unhandledErrorf("Failed lookup url for %s : %v", u, err)
	}
	return string(b), nil
}

// controllerProxyEnv are the controller's proxy variables, which the url
// lookup uses as urllib does.
func controllerProxyEnv() map[string]string {
	out := map[string]string{}
	for _, n := range []string{"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"} {
		if v, ok := os.LookupEnv(n); ok {
			out[n] = v
		}
	}
	return out
}
