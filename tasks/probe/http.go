package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBody bounds the part of a response body kept for checks.
const maxBody = 10 << 20

// maxRedirects is the number of redirects followed before giving up.
const maxRedirects = 10

// HTTPOptions configure an HTTP probe.
type HTTPOptions struct {
	// URL is the address requested; http:// is assumed without a scheme.
	URL    string `json:"url"`
	Method string `json:"method,omitempty"`
	// Headers are added to the request; a Host header sets the virtual host.
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	// Basic authentication, or a bearer token. Never reported.
	User        string `json:"url_username,omitempty"`
	Password    string `json:"url_password,omitempty"`
	BearerToken string `json:"bearer_token,omitempty"`
	// ValidStatus lists the statuses that pass: codes ("200"), classes
	// ("2xx") or ranges ("200-399"). 2xx when empty.
	ValidStatus []string `json:"valid_status,omitempty"`
	// FollowRedirects follows up to 10 redirects; true when nil.
	FollowRedirects *bool `json:"follow_redirects,omitempty"`
	// BodyMatches must all match the body; BodyNotMatches must not.
	BodyMatches    []string `json:"body_matches,omitempty"`
	BodyNotMatches []string `json:"body_not_matches,omitempty"`
	// HeaderMatches maps a header name to a regular expression one of its
	// values must match.
	HeaderMatches map[string]string `json:"header_matches,omitempty"`
	// JSONPath checks values of a JSON body.
	JSONPath []JSONCheck `json:"json_path,omitempty"`
	// Proxy is the proxy URL. Without it the controller uses the
	// HTTP_PROXY/HTTPS_PROXY/NO_PROXY environment, and a host no proxy.
	Proxy string `json:"proxy,omitempty"`
	// ReturnContent puts the body (up to 10 MiB) in the result.
	ReturnContent bool          `json:"return_content,omitempty"`
	Timeout       time.Duration `json:"-"`
	IPVersion     IPVersion     `json:"ip_version,omitempty"`
	TLSClient     `json:"tls_config"`
}

// JSONCheck requires the value at Path (dotted keys and [index], e.g.
// "a.b[0].c") of a JSON body to equal Equals. A string Equals also matches a
// non-string value whose JSON text it is ("3" matches 3).
type JSONCheck struct {
	Path   string `json:"path"`
	Equals any    `json:"equals"`
}

// HTTPResult is what an HTTP probe found.
type HTTPResult struct {
	// URL is the URL of the last response, after redirects.
	URL           string            `json:"url"`
	Status        int               `json:"status"`
	HTTPVersion   string            `json:"http_version"`
	Headers       map[string]string `json:"headers"`
	ContentLength int64             `json:"content_length"`
	BodySize      int64             `json:"body_size"`
	Redirects     int               `json:"redirects"`
	RedirectURLs  []string          `json:"redirect_urls,omitempty"`
	Timings       Phases            `json:"timings"`
	Elapsed       Duration          `json:"elapsed"`
	TLS           *TLSState         `json:"tls,omitempty"`
	Content       string            `json:"content,omitempty"`
}

// Phases are the durations of an HTTP exchange, summed over redirects, as
// blackbox_exporter reports them: resolve (DNS), connect (TCP), tls
// (handshake), processing (request sent to first response byte) and
// transfer (first to last byte of the final body).
type Phases struct {
	Resolve    Duration `json:"resolve"`
	Connect    Duration `json:"connect"`
	TLS        Duration `json:"tls"`
	Processing Duration `json:"processing"`
	Transfer   Duration `json:"transfer"`
}

// HTTP sends one request (following redirects) and checks the response.
func HTTP(ctx context.Context, o Origin, opts HTTPOptions) (HTTPResult, error) {
	ctx, cancel := withTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	var res HTTPResult
	chk, err := opts.compile()
	if err != nil {
		return res, fail(ctx, err)
	}
	req, err := opts.request(ctx)
	if err != nil {
		return res, fail(ctx, err)
	}
	client, tr, err := opts.client(o, req.URL, &res)
	if err != nil {
		return res, fail(ctx, err)
	}
	defer tr.close()
	req = req.WithContext(httptrace.WithClientTrace(ctx, tr.clientTrace()))
	resp, err := client.Do(req)
	if err != nil {
		res.Timings = tr.phases()
		return res, fail(ctx, plainToTLS(ctx, o, opts, req.URL, err))
	}
	body, err := readBody(resp, &res)
	tr.finish()
	res.Timings, res.Elapsed = tr.phases(), Duration(time.Since(start))
	res.TLS = tr.lastTLS()
	if err != nil {
		return res, fail(ctx, fmt.Errorf("reading body: %w", err))
	}
	if opts.ReturnContent {
		res.Content = string(body)
	}
	err = chk.apply(&res, resp.Header, body)
	if err != nil && resp.StatusCode == http.StatusBadRequest {
		err = plainToTLS(ctx, o, opts, req.URL, err)
	}
	return res, fail(ctx, err)
}

// plainToTLS explains err, the failure of a plain http:// request, when
// the server speaks TLS on that port (it closed the connection, answered
// garbage or 400): the URL wants https://.
func plainToTLS(ctx context.Context, o Origin, opts HTTPOptions, u *url.URL, err error) error {
	if u.Scheme != "http" || ctx.Err() != nil {
		return err
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	if !speaksTLS(ctx, o, addr, opts.IPVersion) {
		return err
	}
	https := *u
	https.Scheme = "https"
	return fmt.Errorf("the server at %s speaks TLS, not plain HTTP: use %s (%w)", addr, https.String(), err)
}

// speaksTLS reports whether the server at addr answers a TLS handshake
// (completing it, or with a TLS alert).
func speaksTLS(ctx context.Context, o Origin, addr string, v IPVersion) bool {
	raw, _, err := o.dialTCP(ctx, addr, v)
	if err != nil {
		return false
	}
	defer raw.Close()
	tc := tls.Client(guard(ctx, raw), &tls.Config{InsecureSkipVerify: true, ServerName: hostOf(addr)})
	err = tc.HandshakeContext(ctx)
	var alert tls.AlertError
	return err == nil || errors.As(err, &alert)
}

// request builds the first request of the probe.
func (opts HTTPOptions) request(ctx context.Context) (*http.Request, error) {
	raw := opts.URL
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	var body io.Reader
	if opts.Body != "" {
		body = strings.NewReader(opts.Body)
	}
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(cmpOr(opts.Method, "GET")), raw, body)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("url %q: expected http or https", opts.URL)
	}
	for k, v := range opts.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	switch {
	case opts.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+opts.BearerToken)
	case opts.User != "" || opts.Password != "":
		req.SetBasicAuth(opts.User, opts.Password)
	}
	return req, nil
}

// client builds the HTTP client of the probe: connections from the origin,
// certificates inspected and verified by the probe, redirects recorded.
func (opts HTTPOptions) client(o Origin, first *url.URL, res *HTTPResult) (*http.Client, *tracer, error) {
	cfg, err := opts.clientConfig("")
	if err != nil {
		return nil, nil, err
	}
	proxy := http.ProxyFromEnvironment
	if o.viaHost() {
		proxy = nil
	}
	if opts.Proxy != "" {
		pu, err := url.Parse(opts.Proxy)
		if err != nil {
			return nil, nil, fmt.Errorf("proxy: %w", err)
		}
		proxy = http.ProxyURL(pu)
	}
	tr := &tracer{opts: opts, firstHost: first.Host, roots: cfg.RootCAs}
	cfg.VerifyConnection = tr.verify
	newTransport := func(serverName string) *http.Transport {
		c := cfg.Clone()
		c.ServerName = serverName
		return &http.Transport{
			Proxy: proxy, DialContext: tr.dial(o), TLSClientConfig: c, ForceAttemptHTTP2: true,
		}
	}
	tr.named, tr.plain = newTransport(opts.ServerName), newTransport("")
	follow := opts.FollowRedirects == nil || *opts.FollowRedirects
	client := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !follow {
			return http.ErrUseLastResponse
		}
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		res.Redirects = len(via)
		res.RedirectURLs = append(res.RedirectURLs, req.URL.String())
		return nil
	}}
	return client, tr, nil
}

// readBody reads the whole body, keeping up to maxBody of it, and fills the
// response fields of res.
func readBody(resp *http.Response, res *HTTPResult) ([]byte, error) {
	defer resp.Body.Close()
	res.URL, res.Status, res.HTTPVersion = resp.Request.URL.String(), resp.StatusCode, resp.Proto
	res.ContentLength = resp.ContentLength
	res.Headers = map[string]string{}
	for k, vs := range resp.Header {
		res.Headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, maxBody))
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, resp.Body)
		n += rest
	}
	res.BodySize = n
	return buf.Bytes(), err
}

// tracer is the RoundTripper of a probe: it picks the transport for each
// hop, times each hop's phases, and verifies each TLS handshake.
type tracer struct {
	opts         HTTPOptions
	firstHost    string
	roots        *x509.CertPool
	named, plain *http.Transport

	mu   sync.Mutex
	hops []*hop
}

// hop is one request/response of a redirect chain.
type hop struct {
	name                       string // the name the certificate must be valid for
	resolve, connect           time.Duration
	gotConn, tlsStart, tlsDone time.Time
	firstByte, end             time.Time
	tls                        *TLSState
}

// RoundTrip sends one hop: the configured server_name goes only to the
// first URL's host, as blackbox_exporter does.
func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	h := &hop{name: req.URL.Hostname()}
	rt := t.plain
	if req.URL.Host == t.firstHost && t.opts.ServerName != "" {
		h.name, rt = t.opts.ServerName, t.named
	}
	t.mu.Lock()
	t.hops = append(t.hops, h)
	t.mu.Unlock()
	return rt.RoundTrip(req)
}

// current is the hop in progress.
func (t *tracer) current() *hop {
	if len(t.hops) == 0 {
		return &hop{}
	}
	return t.hops[len(t.hops)-1]
}

// at records a moment of the current hop.
func (t *tracer) at(field func(*hop) *time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	*field(t.current()) = time.Now()
}

// clientTrace hooks the moments of each hop.
func (t *tracer) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn:              func(httptrace.GotConnInfo) { t.at(func(h *hop) *time.Time { return &h.gotConn }) },
		TLSHandshakeStart:    func() { t.at(func(h *hop) *time.Time { return &h.tlsStart }) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { t.at(func(h *hop) *time.Time { return &h.tlsDone }) },
		GotFirstResponseByte: func() { t.at(func(h *hop) *time.Time { return &h.firstByte }) },
	}
}

// dial connects from the origin and times resolution and connection.
func (t *tracer) dial(o Origin) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, addr string) (net.Conn, error) {
		c, d, err := o.dialTCP(ctx, addr, t.opts.IPVersion)
		t.mu.Lock()
		h := t.current()
		h.resolve += d.resolve
		h.connect += d.connect
		t.mu.Unlock()
		return c, err
	}
}

// verify inspects each handshake and fails one the options do not accept.
func (t *tracer) verify(cs tls.ConnectionState) error {
	t.mu.Lock()
	h := t.current()
	t.mu.Unlock()
	now := time.Now()
	st := inspect(cs, t.roots, h.name, now)
	t.mu.Lock()
	h.tls = &st
	t.mu.Unlock()
	status, reason := classify(&st, now, Thresholds{}, true)
	return t.opts.judge(&st, status, reason, Thresholds{})
}

// finish marks the end of the final body.
func (t *tracer) finish() { t.at(func(h *hop) *time.Time { return &h.end }) }

// phases sums the phases of every hop.
func (t *tracer) phases() Phases {
	t.mu.Lock()
	defer t.mu.Unlock()
	var p Phases
	for _, h := range t.hops {
		p.Resolve += Duration(h.resolve)
		p.Connect += Duration(h.connect)
		p.TLS += span(h.tlsStart, h.tlsDone)
		p.Processing += span(h.gotConn, h.firstByte)
		p.Transfer += span(h.firstByte, h.end)
	}
	return p
}

// lastTLS is the TLS state of the last hop that used TLS on its own
// connection.
func (t *tracer) lastTLS() *TLSState {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.hops) - 1; i >= 0; i-- {
		if t.hops[i].tls != nil {
			return t.hops[i].tls
		}
	}
	return nil
}

// close drops the connections kept alive.
func (t *tracer) close() {
	t.named.CloseIdleConnections()
	t.plain.CloseIdleConnections()
}

// span is b-a, zero when either is unset.
func span(a, b time.Time) Duration {
	if a.IsZero() || b.IsZero() {
		return 0
	}
	return Duration(b.Sub(a))
}

// httpChecks are the compiled checks of an HTTP probe.
type httpChecks struct {
	status      []statusRange
	statusText  string
	bodyMatch   []*regexp.Regexp
	bodyNot     []*regexp.Regexp
	headerMatch map[string]*regexp.Regexp
	jsonPath    []JSONCheck
}

// statusRange is an inclusive range of status codes.
type statusRange struct{ lo, hi int }

// compile checks every pattern and status before anything is sent.
func (opts HTTPOptions) compile() (*httpChecks, error) {
	c := &httpChecks{headerMatch: map[string]*regexp.Regexp{}, jsonPath: opts.JSONPath}
	valid := opts.ValidStatus
	if len(valid) == 0 {
		valid = []string{"2xx"}
	}
	c.statusText = strings.Join(valid, ",")
	for _, s := range valid {
		r, err := parseStatus(s)
		if err != nil {
			return nil, err
		}
		c.status = append(c.status, r)
	}
	var err error
	if c.bodyMatch, err = compileAll("body_matches", opts.BodyMatches); err != nil {
		return nil, err
	}
	if c.bodyNot, err = compileAll("body_not_matches", opts.BodyNotMatches); err != nil {
		return nil, err
	}
	for h, pat := range opts.HeaderMatches {
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, fmt.Errorf("header_matches %s: %w", h, err)
		}
		c.headerMatch[h] = re
	}
	for _, jc := range opts.JSONPath {
		if _, err := parseJSONPath(jc.Path); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// parseStatus reads "200", "2xx" or "200-299".
func parseStatus(s string) (statusRange, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := fmt.Errorf("valid_status %q: expected a code (200), a class (2xx) or a range (200-299)", s)
	if len(s) == 3 && strings.HasSuffix(s, "xx") && s[0] >= '1' && s[0] <= '5' {
		lo := int(s[0]-'0') * 100
		return statusRange{lo, lo + 99}, nil
	}
	loText, hiText, isRange := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(loText))
	hi, err2 := lo, error(nil)
	if isRange {
		hi, err2 = strconv.Atoi(strings.TrimSpace(hiText))
	}
	if err1 != nil || err2 != nil || lo < 100 || hi > 599 || lo > hi {
		return statusRange{}, bad
	}
	return statusRange{lo, hi}, nil
}

// compileAll compiles the regular expressions of one option.
func compileAll(option string, pats []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, len(pats))
	for i, p := range pats {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", option, err)
		}
		out[i] = re
	}
	return out, nil
}

// apply checks a response.
func (c *httpChecks) apply(res *HTTPResult, header http.Header, body []byte) error {
	ok := false
	for _, r := range c.status {
		ok = ok || (res.Status >= r.lo && res.Status <= r.hi)
	}
	if !ok {
		return fmt.Errorf("status %d not in valid_status %s", res.Status, c.statusText)
	}
	for name, re := range c.headerMatch {
		if err := matchHeader(header, name, re); err != nil {
			return err
		}
	}
	for _, re := range c.bodyMatch {
		if !re.Match(body) {
			return fmt.Errorf("body does not match %q", re)
		}
	}
	for _, re := range c.bodyNot {
		if re.Match(body) {
			return fmt.Errorf("body matches body_not_matches %q", re)
		}
	}
	return checkJSON(c.jsonPath, body)
}

// matchHeader requires some value of header name to match re.
func matchHeader(header http.Header, name string, re *regexp.Regexp) error {
	vs := header.Values(name)
	if len(vs) == 0 {
		return fmt.Errorf("no header %s in the response", name)
	}
	for _, v := range vs {
		if re.MatchString(v) {
			return nil
		}
	}
	return fmt.Errorf("header %s %q does not match %q", name, strings.Join(vs, ", "), re)
}

// checkJSON applies the json_path checks to a body.
func checkJSON(checks []JSONCheck, body []byte) error {
	if len(checks) == 0 {
		return nil
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("json_path: body is not JSON: %w", err)
	}
	for _, c := range checks {
		steps, _ := parseJSONPath(c.Path)
		got, err := walkJSON(doc, steps)
		if err != nil {
			return fmt.Errorf("json_path %s: %w", c.Path, err)
		}
		if !jsonEqual(got, c.Equals) {
			text, _ := json.Marshal(got)
			return fmt.Errorf("json_path %s is %s, expected %v", c.Path, text, c.Equals)
		}
	}
	return nil
}

// jsonEqual compares a decoded JSON value with an expected value given in
// any Go form; a string expectation also matches the JSON text of got.
func jsonEqual(got, want any) bool {
	b, err := json.Marshal(want)
	if err != nil {
		return false
	}
	gotText, _ := json.Marshal(got)
	if bytes.Equal(b, gotText) {
		return true
	}
	var norm any
	if json.Unmarshal(b, &norm) == nil {
		if nb, _ := json.Marshal(norm); bytes.Equal(nb, gotText) {
			return true
		}
	}
	s, isString := want.(string)
	return isString && s == string(gotText)
}

// pathStep is one key or index of a JSON path.
type pathStep struct {
	key   string
	index int
	isIdx bool
}

// jsonPathToken finds the keys and [indexes] of a path.
var jsonPathToken = regexp.MustCompile(`^(?:\.?([^.\[\]]+)|\[(\d+)\])`)

// parseJSONPath reads a path such as "a.b[0].c" (a leading "$." is allowed).
func parseJSONPath(path string) ([]pathStep, error) {
	rest := strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	if rest == "" {
		return nil, fmt.Errorf("json_path %q: empty path", path)
	}
	var steps []pathStep
	for rest != "" {
		m := jsonPathToken.FindStringSubmatch(rest)
		if m == nil {
			return nil, fmt.Errorf("json_path %q: cannot read %q (expected key, .key or [index])", path, rest)
		}
		if m[2] != "" {
			i, _ := strconv.Atoi(m[2])
			steps = append(steps, pathStep{index: i, isIdx: true})
		} else {
			steps = append(steps, pathStep{key: m[1]})
		}
		rest = rest[len(m[0]):]
	}
	return steps, nil
}

// walkJSON follows steps into a decoded JSON document.
func walkJSON(v any, steps []pathStep) (any, error) {
	for _, s := range steps {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[s.key]
			if s.isIdx || !ok {
				return nil, fmt.Errorf("no key %q", s.describe())
			}
			v = next
		case []any:
			if !s.isIdx || s.index >= len(node) {
				return nil, fmt.Errorf("no element %s (array of %d)", s.describe(), len(node))
			}
			v = node[s.index]
		default:
			return nil, errors.New("path goes past a scalar at " + s.describe())
		}
	}
	return v, nil
}

// describe names a step in messages.
func (s pathStep) describe() string {
	if s.isIdx {
		return "[" + strconv.Itoa(s.index) + "]"
	}
	return s.key
}
