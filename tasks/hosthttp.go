package tasks

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/drover/drover/transport"
)

// HTTP from the host, for get_url, uri and apt's deb URLs.
//
// Ansible runs these modules on the managed host, so the host's network
// view decides what is reachable. drover keeps that: every TCP connection
// (to the server or to a proxy) is opened by the host through the
// connection's Dial (SSH direct-tcpip: the host's sshd connects and
// resolves names with the host's resolver), while HTTP and TLS are spoken
// by drover on the controller. Nothing needs to be installed on the host
// (no curl, wget or python) and no temporary file is made there: a
// download streams through the controller into the destination file.
// What the host provides is read over the connection: its CA bundle (or
// ca_path), client certificates, ~/.netrc and proxy variables (the task's
// environment, else the gathered ansible_env).
//
// The request follows Ansible's urllib behaviour: User-agent, no
// compression asked for (gzip decoded when the server sends it anyway),
// Connection: close, a form Content-type for bodies that have none,
// redirects by the follow_redirects policy, Basic auth answered after a
// 401 (or sent at once with force_basic_auth), cookies kept across
// redirects, and Ansible's messages ("OK (N bytes)", "HTTP Error 404: Not
// Found", "Request failed: <urlopen error ...>").

// HTTPRequest is one request made from the host.
type HTTPRequest struct {
	Method, URL string
	Body        []byte // nil: no body
	BodyReader  io.Reader
	BodyLen     int64
	Headers     map[string]string
	// Unredirected names headers (lower case) not sent again after a redirect.
	Unredirected  []string
	Username      string
	Password      string
	ForceBasic    bool
	UseNetrc      bool
	Follow        string // urllib2 (default), safe, all, yes, no, none
	Timeout       time.Duration
	ValidateCerts bool
	CAPath        string // host path of a CA bundle used instead of the host's
	ClientCert    string // host paths
	ClientKey     string
	UseProxy      bool
	Agent         string
	Force         bool       // cache-control: no-cache
	LastModified  *time.Time // If-Modified-Since
	Decompress    bool
}

// HTTPResponse is what Ansible's fetch_url returns: info (status, msg,
// url, lower-case headers, cookies) and, on success, the body.
type HTTPResponse struct {
	Info map[string]any
	// Body is the response body on success (status 2xx), nil otherwise;
	// the caller closes it.
	Body io.ReadCloser
	// ErrBody is the body of an HTTP error response (info's "body").
	ErrBody []byte
	// Status is info's status: -1 when no response came.
	Status int
	// URL is the final URL (after redirects).
	URL string
}

// Close closes the body when there is one.
func (r *HTTPResponse) Close() {
	if r.Body != nil {
		r.Body.Close()
	}
}

// hostCAs caches each connection's CA bundle.
var hostCAs sync.Map // transport.Conn -> *x509.CertPool (nil when none was found)

// hostCABundles are where Linux distributions keep their CA bundle.
var hostCABundles = []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem"}

// hostFile reads a file on the host (~ is the connection user's home).
func hostFile(ctx context.Context, conn transport.Conn, p string) ([]byte, error) {
	p, err := ExpandUser(ctx, conn, p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = conn.Get(ctx, p, &buf)
	return buf.Bytes(), err
}

// hostRoots is the CA pool requests from the host trust: ca_path, else
// the host's bundle (read once per connection).
func hostRoots(ctx context.Context, conn transport.Conn, caPath string) (*x509.CertPool, error) {
	if caPath != "" {
		pem, err := hostFile(ctx, conn, caPath)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		return pool, nil
	}
	if v, ok := hostCAs.Load(conn); ok {
		return v.(*x509.CertPool), nil
	}
	var pool *x509.CertPool
	for _, p := range hostCABundles {
		pem, err := hostFile(ctx, conn, p)
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			continue
		}
		pool = x509.NewCertPool()
		if pool.AppendCertsFromPEM(pem) {
			break
		}
	}
	hostCAs.Store(conn, pool)
	return pool, nil
}

// httpEnv reads a proxy variable: the task's environment, else the
// host's gathered environment.
func httpEnv(c *Call, name string) string {
	for _, n := range []string{name, strings.ToUpper(name)} {
		if v, ok := c.Environment[n]; ok {
			return v
		}
	}
	if c.Var == nil {
		return ""
	}
	env, _ := c.Var("ansible_env")
	m, _ := env.(map[string]any)
	for _, n := range []string{name, strings.ToUpper(name)} {
		if v, ok := m[n]; ok {
			s, _ := ToStr(v)
			return s
		}
	}
	return ""
}

// httpTransport is a transport whose connections start on the host.
func httpTransport(ctx context.Context, c *Call, req *HTTPRequest) (*http.Transport, error) {
	tlsConf := &tls.Config{InsecureSkipVerify: !req.ValidateCerts}
	if req.ValidateCerts && strings.HasPrefix(strings.ToLower(req.URL), "https:") {
		roots, err := hostRoots(ctx, c.Conn, req.CAPath)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = roots
	}
	if req.ClientCert != "" {
		cert, err := hostFile(ctx, c.Conn, req.ClientCert)
		if err != nil {
			return nil, err
		}
		key := cert
		if req.ClientKey != "" {
			if key, err = hostFile(ctx, c.Conn, req.ClientKey); err != nil {
				return nil, err
			}
		}
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, err
		}
		tlsConf.Certificates = []tls.Certificate{pair}
	}
	t := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dctx, cancel := context.WithTimeout(ctx, req.Timeout)
			defer cancel()
			return c.Conn.Dial(dctx, "tcp", addr)
		},
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   req.Timeout,
		ResponseHeaderTimeout: req.Timeout,
		DisableCompression:    true,
		DisableKeepAlives:     true,
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	if req.UseProxy {
		pc := &httpproxy.Config{HTTPProxy: httpEnv(c, "http_proxy"), HTTPSProxy: httpEnv(c, "https_proxy"), NoProxy: httpEnv(c, "no_proxy")}
		pf := pc.ProxyFunc()
		t.Proxy = func(r *http.Request) (*url.URL, error) { return pf(r.URL) }
	}
	return t, nil
}

// DoHTTP makes the request from the host, following redirects as
// Ansible's urllib handlers do.
func DoHTTP(ctx context.Context, c *Call, req *HTTPRequest) (*HTTPResponse, error) {
	if req.Timeout <= 0 {
		req.Timeout = 10 * time.Second
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.Scheme == "" {
		return httpFailed(req.URL, fmt.Sprintf("unknown url type: %s", PyRepr(req.URL))), nil
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		return httpFile(ctx, c, req, u)
	case "http", "https":
	default:
		return httpFailed(req.URL, fmt.Sprintf("Request failed: <urlopen error unknown url type: %s>", strings.ToLower(u.Scheme))), nil
	}
	if err := httpCredentials(ctx, c, req, u); err != nil {
		return nil, err
	}
	tr, err := httpTransport(ctx, c, req)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return httpFailed(req.URL, "Request failed: <urlopen error "+err.Error()+">"), nil
	}
	defer tr.CloseIdleConnections()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: tr, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return httpLoop(ctx, c, client, req, u)
}

// httpFailed is fetch_url's info for a request that got no response.
func httpFailed(u, msg string) *HTTPResponse {
	return &HTTPResponse{Status: -1, URL: u, Info: map[string]any{"url": u, "status": -1, "msg": msg}}
}

// httpCredentials takes user:password from the URL, else ~/.netrc, as
// Ansible's Request.open does.
func httpCredentials(ctx context.Context, c *Call, req *HTTPRequest, u *url.URL) error {
	if req.Username == "" && u.User != nil {
		req.Username = u.User.Username()
		req.Password, _ = u.User.Password()
	}
	u.User = nil
	req.URL = u.String()
	if req.Username != "" || !req.UseNetrc {
		return nil
	}
	login, password, err := netrcLogin(ctx, c, u.Hostname())
	if err != nil {
		return err
	}
	if login != "" && password != "" {
		req.Username, req.Password, req.ForceBasic = login, password, true
	}
	return nil
}

// hostNetrcs caches each connection's netrc files by path ("" content for
// a missing file).
var hostNetrcs sync.Map // netrcKey -> string

type netrcKey struct {
	conn transport.Conn
	path string
}

// netrcLogin finds the login for a machine in the host's netrc (NETRC, else
// ~/.netrc), read once per connection.
func netrcLogin(ctx context.Context, c *Call, host string) (string, string, error) {
	p := httpEnv(c, "NETRC")
	if p == "" {
		p = "~/.netrc"
	}
	key := netrcKey{c.Conn, p}
	if v, ok := hostNetrcs.Load(key); ok {
		return parseNetrc(v.(string), host)
	}
	data, err := hostFile(ctx, c.Conn, p)
	if err != nil {
		if hostErr(err) {
			return "", "", err
		}
		data = nil
	}
	hostNetrcs.Store(key, string(data))
	return parseNetrc(string(data), host)
}

// parseNetrc returns the login and password of machine host (or default).
func parseNetrc(text, host string) (string, string, error) {
	fields := strings.Fields(text)
	type entry struct{ login, password string }
	var def *entry
	var cur *entry
	for i := 0; i < len(fields); i++ {
		switch fields[i] {
		case "machine":
			cur = nil
			if i+1 < len(fields) {
				i++
				if fields[i] == host {
					cur = &entry{}
				}
			}
		case "default":
			def = &entry{}
			cur = def
		case "login", "password", "account":
			if i+1 >= len(fields) {
				break
			}
			i++
			if cur == nil {
				continue
			}
			if fields[i-1] == "login" {
				cur.login = fields[i]
			} else if fields[i-1] == "password" {
				cur.password = fields[i]
			}
			if cur != def && cur.login != "" && cur.password != "" {
				return cur.login, cur.password, nil
			}
		}
	}
	if def != nil {
		return def.login, def.password, nil
	}
	return "", "", nil
}

// basicAuth is the Authorization value of Basic authentication.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// httpStep is one request of the redirect chain.
type httpStep struct {
	method  string
	url     *url.URL
	body    []byte
	reader  io.Reader
	headers map[string]string // redirected headers
	once    map[string]string // unredirected headers
}

// httpLoop sends the request, answers a 401 with Basic credentials and
// follows redirects (at most 10, as urllib).
func httpLoop(ctx context.Context, c *Call, client *http.Client, req *HTTPRequest, u *url.URL) (*HTTPResponse, error) {
	step := httpFirstStep(req, u)
	authTried := req.ForceBasic || req.Username == ""
	var hist []*http.Response
	for redirects := 0; ; {
		resp, err := httpSend(ctx, client, req, step)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if transport.IsUnreachable(err) {
				return nil, err
			}
			return httpFailed(req.URL, httpErrMsg(err)), nil
		}
		if resp.StatusCode == http.StatusUnauthorized && !authTried &&
			strings.Contains(strings.ToLower(resp.Header.Get("WWW-Authenticate")), "basic") {
			resp.Body.Close()
			authTried = true
			step.once["Authorization"] = basicAuth(req.Username, req.Password)
			continue
		}
		hist = append(hist, resp)
		next, ok := httpRedirect(req, step, resp)
		if !ok {
			return httpResult(req, step, resp, hist), nil
		}
		resp.Body.Close()
		if redirects++; redirects > 10 {
			return httpError(req, resp, "The HTTP server returned a redirect error that would lead to an infinite loop.\n"+
				"The last 30x error message was:\n"+httpReason(resp)), nil
		}
		step = next
	}
}

// httpFirstStep builds the first request: user agent, cache headers, the
// task's headers and the authorization.
func httpFirstStep(req *HTTPRequest, u *url.URL) *httpStep {
	s := &httpStep{method: req.Method, url: u, body: req.Body, reader: req.BodyReader,
		headers: map[string]string{}, once: map[string]string{}}
	if s.method == "" {
		s.method = "GET"
		if req.Body != nil || req.BodyReader != nil {
			s.method = "POST"
		}
	}
	if req.Agent != "" {
		s.headers["User-agent"] = req.Agent
	}
	if req.Force {
		s.headers["Cache-control"] = "no-cache"
	} else if req.LastModified != nil {
		s.headers["If-Modified-Since"] = req.LastModified.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	}
	if req.Username != "" && req.ForceBasic {
		s.headers["Authorization"] = basicAuth(req.Username, req.Password)
	}
	for k, v := range req.Headers {
		if httpHasName(req.Unredirected, k) {
			s.once[k] = v
		} else {
			s.headers[k] = v
		}
	}
	if (s.body != nil || s.reader != nil) && !httpHasHeader(s.headers, "content-type") && !httpHasHeader(s.once, "content-type") {
		s.once["Content-type"] = "application/x-www-form-urlencoded"
	}
	return s
}

func httpHasName(names []string, k string) bool {
	for _, n := range names {
		if strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}

func httpHasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// httpSend sends one request of the chain.
func httpSend(ctx context.Context, client *http.Client, req *HTTPRequest, s *httpStep) (*http.Response, error) {
	var body io.Reader
	length := int64(0)
	switch {
	case s.reader != nil:
		body, length = s.reader, req.BodyLen
	case s.body != nil:
		body, length = bytes.NewReader(s.body), int64(len(s.body))
	}
	hr, err := http.NewRequestWithContext(ctx, s.method, s.url.String(), body)
	if err != nil {
		return nil, err
	}
	hr.ContentLength = length
	hr.Close = true
	hr.Header.Set("Accept-Encoding", "identity")
	for _, h := range []map[string]string{s.headers, s.once} {
		for k, v := range h {
			if strings.EqualFold(k, "host") {
				hr.Host = v
				continue
			}
			hr.Header.Set(k, v)
		}
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header["User-Agent"] = []string{"Python-urllib/3"}
	}
	resp, err := client.Do(hr)
	if err == nil {
		resp.Body = &idleBody{ReadCloser: resp.Body, timeout: req.Timeout}
	}
	return resp, err
}

// httpRedirect decides, by the follow_redirects policy, whether resp is
// followed and builds the next request.
func httpRedirect(req *HTTPRequest, s *httpStep, resp *http.Response) (*httpStep, bool) {
	code := resp.StatusCode
	if code != 301 && code != 302 && code != 303 && code != 307 && code != 308 {
		return nil, false
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		loc = resp.Header.Get("Uri")
	}
	if loc == "" {
		return nil, false
	}
	next, err := s.url.Parse(strings.ReplaceAll(loc, " ", "%20"))
	if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
		return nil, false
	}
	method := s.method
	follow := req.Follow
	if follow == "" {
		follow = "urllib2"
	}
	switch follow {
	case "urllib2":
		if !((method == "GET" || method == "HEAD") || ((code == 301 || code == 302 || code == 303) && method == "POST")) {
			return nil, false
		}
		n := &httpStep{url: next, method: "GET", headers: httpDropContent(s.headers, false), once: map[string]string{}}
		if method == "HEAD" {
			n.method = "HEAD"
		}
		return n, true
	case "all", "yes":
	case "safe":
		if method != "GET" && method != "HEAD" {
			return nil, false
		}
	default:
		return nil, false
	}
	n := &httpStep{url: next, method: method, once: map[string]string{}}
	if code == 307 || code == 308 {
		n.headers, n.body, n.reader = s.headers, s.body, nil
		return n, true
	}
	n.headers = httpDropContent(s.headers, true)
	if (code == 303 || code == 302) && method != "HEAD" || code == 301 && method == "POST" {
		n.method = "GET"
	}
	return n, true
}

// httpDropContent copies headers without the body's (content-length,
// content-type and, for Ansible's handler, transfer-encoding).
func httpDropContent(h map[string]string, te bool) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		switch strings.ToLower(k) {
		case "content-length", "content-type":
			continue
		case "transfer-encoding":
			if te {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// httpReason is the reason phrase of a response ("Not Found").
func httpReason(resp *http.Response) string {
	_, reason, _ := strings.Cut(resp.Status, " ")
	return reason
}

// httpHeaders are a response's headers as Ansible's info holds them:
// lower-case names, repeated headers joined with ", ".
func httpHeaders(h http.Header, info map[string]any) {
	for k, v := range h {
		info[strings.ToLower(k)] = strings.Join(v, ", ")
	}
}

// httpResult turns the last response into fetch_url's info and body.
func httpResult(req *HTTPRequest, s *httpStep, resp *http.Response, hist []*http.Response) *HTTPResponse {
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return httpError(req, resp, httpReason(resp))
	}
	info := map[string]any{}
	httpHeaders(resp.Header, info)
	cookies := httpCookies(hist)
	info["cookies"], info["cookies_string"] = cookies.dict, cookies.str
	length := resp.Header.Get("Content-Length")
	if length == "" {
		length = "unknown"
	}
	final := s.url.String()
	info["msg"], info["url"], info["status"] = "OK ("+length+" bytes)", final, resp.StatusCode
	body := resp.Body
	if req.Decompress && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		if gz, err := gzip.NewReader(body); err == nil {
			body = struct {
				io.Reader
				io.Closer
			}{gz, resp.Body}
		}
	}
	return &HTTPResponse{Info: info, Body: body, Status: resp.StatusCode, URL: final}
}

// httpError is fetch_url's info for an HTTP error status (its body read).
func httpError(req *HTTPRequest, resp *http.Response, reason string) *HTTPResponse {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	info := map[string]any{}
	httpHeaders(resp.Header, info)
	info["url"], info["status"], info["body"] = req.URL, resp.StatusCode, string(body)
	info["msg"] = fmt.Sprintf("HTTP Error %d: %s", resp.StatusCode, reason)
	return &HTTPResponse{Info: info, ErrBody: body, Status: resp.StatusCode, URL: req.URL}
}

// httpCookieSet are the cookies of the jar as Ansible reports them.
type httpCookieSet struct {
	dict map[string]any
	str  string
}

// httpCookies lists the cookies the responses set (a later one replacing
// an earlier one), sorted as Python's cookie jar iterates them (domain,
// path, name).
func httpCookies(hist []*http.Response) httpCookieSet {
	type ck struct{ domain, path, name, value string }
	seen := map[string]ck{}
	for _, r := range hist {
		for _, c := range r.Cookies() {
			d := c.Domain
			if d == "" {
				d = r.Request.URL.Hostname()
			}
			p := c.Path
			if p == "" {
				p = "/"
			}
			key := d + "\x00" + p + "\x00" + c.Name
			seen[key] = ck{d, p, c.Name, c.Value}
			if c.MaxAge < 0 {
				delete(seen, key)
			}
		}
	}
	list := make([]ck, 0, len(seen))
	for _, c := range seen {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.domain != b.domain {
			return a.domain < b.domain
		}
		if a.path != b.path {
			return a.path < b.path
		}
		return a.name < b.name
	})
	out := httpCookieSet{dict: map[string]any{}}
	var parts []string
	for _, c := range list {
		out.dict[c.name] = c.value
		parts = append(parts, c.name+"="+c.value)
	}
	out.str = strings.Join(parts, "; ")
	return out
}

// httpErrMsg turns a failed request's error into urllib's message.
func httpErrMsg(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	var ce *tls.CertificateVerificationError
	var ui x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ui):
		return "Request failed: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:992)>"
	case errors.As(err, &hn):
		return fmt.Sprintf("Request failed: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for '%s'. (_ssl.c:992)>", hn.Host)
	case errors.As(err, &ci):
		return "Request failed: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:992)>"
	case errors.As(err, &ce):
		return "Request failed: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + ce.Err.Error() + " (_ssl.c:992)>"
	case strings.Contains(s, "refused"):
		return "Request failed: <urlopen error [Errno 111] Connection refused>"
	case strings.Contains(s, "timeout") || strings.Contains(s, "deadline exceeded") || strings.Contains(s, "timed out"):
		return "Request failed: <urlopen error timed out>"
	case strings.Contains(s, "no such host") || strings.Contains(s, "Name or service not known"):
		return "Request failed: <urlopen error [Errno -2] Name or service not known>"
	case strings.Contains(s, "No route to host"):
		return "Request failed: <urlopen error [Errno 113] No route to host>"
	case strings.Contains(s, "EOF") || strings.Contains(s, "malformed HTTP"):
		return "Connection failure: connection was closed before a valid response was received: " + s
	}
	return "Request failed: <urlopen error " + s + ">"
}

// httpFile reads a file:// URL on the host, as urllib's file handler.
func httpFile(ctx context.Context, c *Call, req *HTTPRequest, u *url.URL) (*HTTPResponse, error) {
	data, err := hostFile(ctx, c.Conn, u.Path)
	if err != nil {
		if hostErr(err) {
			return nil, err
		}
		return httpFailed(req.URL, "Request failed: <urlopen error "+pyErrText(errors.Unwrap(err))+": '"+u.Path+"'>"), nil
	}
	info := map[string]any{"content-length": strconv.Itoa(len(data)), "url": req.URL, "status": nil,
		"msg": fmt.Sprintf("OK (%d bytes)", len(data)), "cookies": map[string]any{}, "cookies_string": ""}
	return &HTTPResponse{Info: info, Body: io.NopCloser(bytes.NewReader(data)), Status: 200, URL: req.URL}, nil
}

// idleBody ends a body read that waits longer than timeout for data, as
// Python's socket timeout does.
type idleBody struct {
	io.ReadCloser
	timeout time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.timeout <= 0 {
		return b.ReadCloser.Read(p)
	}
	t := time.AfterFunc(b.timeout, func() { b.ReadCloser.Close() })
	n, err := b.ReadCloser.Read(p)
	if !t.Stop() && err != nil {
		err = errors.New("The read operation timed out")
	}
	return n, err
}
