package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/transport/local"
)

// testHTTPHandler serves the paths the HTTP probe tests use.
func testHTTPHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Version", "1.2.3")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		fmt.Fprint(w, "hello world")
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
	})
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		target := "/ok"
		if n > 1 {
			target = "/redirect/" + strconv.Itoa(n-1)
		}
		http.Redirect(w, r, target, http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"a": {"b": [{"c": 3}, {"c": "x"}]}, "ok": true, "name": "drover", "none": null}`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"method": r.Method, "auth": r.Header.Get("Authorization"), "body": string(body),
			"host": r.Host, "x-test": r.Header.Get("X-Test"), "via": r.Header.Get("Via"),
		})
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("0123456789abcdef", 1<<16)))
	})
	return mux
}

// testProxy is a forward proxy for plain HTTP that marks what it relays.
func testProxy(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), r.Body)
		out.Header = r.Header.Clone()
		out.Header.Set("Via", "1.1 test-proxy")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHTTPProbe(t *testing.T) {
	plain := httptest.NewServer(testHTTPHandler())
	t.Cleanup(plain.Close)
	p := newPKI(t)
	secure := httptest.NewUnstartedServer(testHTTPHandler())
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{p.leaf(t, leafSpec{names: []string{"svc.test"}})}}
	secure.Config.ErrorLog = log.New(io.Discard, "", 0)
	secure.StartTLS()
	t.Cleanup(secure.Close)
	proxy := testProxy(t)
	trusted := TLSClient{ServerName: "svc.test", RootCAs: p.roots}
	no := false
	cases := []struct {
		name    string
		opts    HTTPOptions
		wantErr string
		check   func(*testing.T, HTTPResult)
	}{
		{name: "200", opts: HTTPOptions{URL: plain.URL + "/ok"}, check: func(t *testing.T, r HTTPResult) {
			eq(t, "status", r.Status, 200)
			eq(t, "body size", r.BodySize, 11)
			eq(t, "header", r.Headers["x-version"], "1.2.3")
			eq(t, "multi-valued header", r.Headers["x-multi"], "a, b")
			eq(t, "version", r.HTTPVersion, "HTTP/1.1")
			eq(t, "content not returned", r.Content, "")
			if r.Timings.Connect <= 0 || r.TLS != nil {
				t.Errorf("connect phase not timed or TLS reported on plain HTTP: %+v", r)
			}
		}},
		{name: "URL without scheme", opts: HTTPOptions{URL: strings.TrimPrefix(plain.URL, "http://") + "/ok"}},
		{name: "404 fails by default", opts: HTTPOptions{URL: plain.URL + "/status/404"}, wantErr: "status 404 not in valid_status 2xx"},
		{name: "404 accepted", opts: HTTPOptions{URL: plain.URL + "/status/404", ValidStatus: []string{"200-399", "404"}}},
		{name: "503 against classes", opts: HTTPOptions{URL: plain.URL + "/status/503", ValidStatus: []string{"2xx", "4xx"}},
			wantErr: "status 503 not in valid_status 2xx,4xx"},
		{name: "redirects followed", opts: HTTPOptions{URL: plain.URL + "/redirect/3"}, check: func(t *testing.T, r HTTPResult) {
			eq(t, "status", r.Status, 200)
			eq(t, "redirects", r.Redirects, 3)
			eq(t, "redirect urls", strings.Join(r.RedirectURLs, " "), plain.URL+"/redirect/2 "+plain.URL+"/redirect/1 "+plain.URL+"/ok")
			eq(t, "final url", r.URL, plain.URL+"/ok")
		}},
		{name: "redirect not followed", opts: HTTPOptions{URL: plain.URL + "/redirect/1", FollowRedirects: &no, ValidStatus: []string{"3xx"}},
			check: func(t *testing.T, r HTTPResult) {
				eq(t, "status", r.Status, 302)
				eq(t, "location", r.Headers["location"], "/ok")
			}},
		{name: "redirect loop", opts: HTTPOptions{URL: plain.URL + "/loop"}, wantErr: "stopped after 10 redirects"},
		{name: "slow response", opts: HTTPOptions{URL: plain.URL + "/slow", Timeout: 200 * time.Millisecond}, wantErr: "timed out"},
		{name: "body matches", opts: HTTPOptions{URL: plain.URL + "/ok", BodyMatches: []string{"^hello", "world$"}, BodyNotMatches: []string{"error"}}},
		{name: "body does not match", opts: HTTPOptions{URL: plain.URL + "/ok", BodyMatches: []string{"goodbye"}}, wantErr: `body does not match "goodbye"`},
		{name: "body matches the forbidden", opts: HTTPOptions{URL: plain.URL + "/ok", BodyNotMatches: []string{"w.rld"}},
			wantErr: `body matches body_not_matches "w.rld"`},
		{name: "header matches", opts: HTTPOptions{URL: plain.URL + "/ok", HeaderMatches: map[string]string{"x-version": `^1\.`, "X-Multi": "^b$"}}},
		{name: "header does not match", opts: HTTPOptions{URL: plain.URL + "/ok", HeaderMatches: map[string]string{"X-Version": `^2\.`}},
			wantErr: `header X-Version "1.2.3" does not match "^2\\."`},
		{name: "header missing", opts: HTTPOptions{URL: plain.URL + "/ok", HeaderMatches: map[string]string{"X-Absent": "."}},
			wantErr: "no header X-Absent in the response"},
		{name: "json_path equals", opts: HTTPOptions{URL: plain.URL + "/json", JSONPath: []JSONCheck{
			{Path: "a.b[0].c", Equals: 3}, {Path: "a.b[0].c", Equals: "3"}, {Path: "$.a.b[1].c", Equals: "x"},
			{Path: "ok", Equals: true}, {Path: "name", Equals: "drover"}, {Path: "none", Equals: nil}, {Path: "a.b[0]", Equals: map[string]any{"c": 3}},
		}}},
		{name: "json_path differs", opts: HTTPOptions{URL: plain.URL + "/json", JSONPath: []JSONCheck{{Path: "a.b[0].c", Equals: 4}}},
			wantErr: "json_path a.b[0].c is 3, expected 4"},
		{name: "json_path missing key", opts: HTTPOptions{URL: plain.URL + "/json", JSONPath: []JSONCheck{{Path: "a.x", Equals: 1}}},
			wantErr: `json_path a.x: no key "x"`},
		{name: "json_path past the array", opts: HTTPOptions{URL: plain.URL + "/json", JSONPath: []JSONCheck{{Path: "a.b[5]", Equals: 1}}},
			wantErr: "json_path a.b[5]: no element [5] (array of 2)"},
		{name: "json_path on a non-JSON body", opts: HTTPOptions{URL: plain.URL + "/ok", JSONPath: []JSONCheck{{Path: "a", Equals: 1}}},
			wantErr: "json_path: body is not JSON"},
		{name: "bad json_path", opts: HTTPOptions{URL: plain.URL + "/json", JSONPath: []JSONCheck{{Path: "a..b", Equals: 1}}},
			wantErr: `json_path "a..b": cannot read "..b" (expected key, .key or [index])`},
		{name: "method, body, headers, basic auth", opts: HTTPOptions{URL: plain.URL + "/echo", Method: "post", Body: "payload",
			Headers: map[string]string{"X-Test": "yes", "Host": "vhost.test"}, User: "alice", Password: "s3cret",
			JSONPath: []JSONCheck{{Path: "method", Equals: "POST"}, {Path: "body", Equals: "payload"}, {Path: "x-test", Equals: "yes"},
				{Path: "host", Equals: "vhost.test"}, {Path: "auth", Equals: "Basic YWxpY2U6czNjcmV0"}}}},
		{name: "bearer token", opts: HTTPOptions{URL: plain.URL + "/echo", BearerToken: "tok",
			JSONPath: []JSONCheck{{Path: "auth", Equals: "Bearer tok"}}}},
		{name: "return content and size of a large body", opts: HTTPOptions{URL: plain.URL + "/big", ReturnContent: true},
			check: func(t *testing.T, r HTTPResult) {
				eq(t, "body size", r.BodySize, 1<<20)
				eq(t, "content", len(r.Content), 1<<20)
			}},
		{name: "proxy", opts: HTTPOptions{URL: plain.URL + "/echo", Proxy: proxy, JSONPath: []JSONCheck{{Path: "via", Equals: "1.1 test-proxy"}}}},
		{name: "https trusted", opts: HTTPOptions{URL: secure.URL + "/ok", TLSClient: trusted}, check: func(t *testing.T, r HTTPResult) {
			eq(t, "verified", r.TLS.ChainVerified, true)
			eq(t, "name", r.TLS.ServerName, "svc.test")
			if r.Timings.TLS <= 0 {
				t.Errorf("TLS phase not timed: %+v", r.Timings)
			}
		}},
		{name: "https untrusted", opts: HTTPOptions{URL: secure.URL + "/ok", TLSClient: TLSClient{ServerName: "svc.test"}},
			wantErr: "UNTRUSTED: x509: certificate signed by unknown authority"},
		{name: "https wrong name", opts: HTTPOptions{URL: secure.URL + "/ok", TLSClient: TLSClient{RootCAs: p.roots}},
			wantErr: "NAME_MISMATCH: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
		{name: "https insecure", opts: HTTPOptions{URL: secure.URL + "/ok", TLSClient: TLSClient{Insecure: true}},
			check: func(t *testing.T, r HTTPResult) {
				eq(t, "status", r.Status, 200)
				eq(t, "verified", r.TLS.ChainVerified, false)
				eq(t, "subject", r.TLS.Leaf.CommonName, "svc.test")
			}},
		{name: "connection refused", opts: HTTPOptions{URL: "http://" + closedPort(t) + "/"}, wantErr: "connection refused"},
		{name: "bad scheme", opts: HTTPOptions{URL: "ftp://127.0.0.1/"}, wantErr: `url "ftp://127.0.0.1/": expected http or https`},
		{name: "bad valid_status", opts: HTTPOptions{URL: plain.URL, ValidStatus: []string{"2xy"}}, wantErr: `valid_status "2xy": expected a code`},
		{name: "bad regexp", opts: HTTPOptions{URL: plain.URL, BodyMatches: []string{"("}}, wantErr: "body_matches: error parsing regexp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := HTTP(context.Background(), Controller(), tc.opts)
			wantErr(t, err, tc.wantErr)
			if err != nil && tc.opts.Password != "" && strings.Contains(err.Error(), tc.opts.Password) {
				t.Errorf("error shows the password: %v", err)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// TestHTTPProbeViaHost sends the request through a transport connection.
func TestHTTPProbeViaHost(t *testing.T) {
	srv := httptest.NewServer(testHTTPHandler())
	t.Cleanup(srv.Close)
	res, err := HTTP(context.Background(), ViaHost("local", local.New()), HTTPOptions{URL: srv.URL + "/redirect/2"})
	wantErr(t, err, "")
	eq(t, "status", res.Status, 200)
	eq(t, "redirects", res.Redirects, 2)
}

func TestHTTPResultJSON(t *testing.T) {
	srv := httptest.NewServer(testHTTPHandler())
	t.Cleanup(srv.Close)
	res, err := HTTP(context.Background(), Controller(), HTTPOptions{URL: srv.URL + "/ok"})
	wantErr(t, err, "")
	b, _ := json.Marshal(res)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	timings, _ := m["timings"].(map[string]any)
	for _, phase := range []string{"resolve", "connect", "tls", "processing", "transfer"} {
		if _, ok := timings[phase].(float64); !ok {
			t.Errorf("timings lack phase %q in seconds: %s", phase, b)
		}
	}
	for _, key := range []string{"url", "status", "http_version", "headers", "content_length", "body_size", "redirects", "elapsed"} {
		if _, ok := m[key]; !ok {
			t.Errorf("JSON result lacks %q: %s", key, b)
		}
	}
}

// TestHTTPProbeOnTLSPort: a plain http:// probe of a port that speaks TLS
// says so and names the https:// URL, whether the server hangs up (a bare
// TLS listener) or answers 400 (an HTTPS web server).
func TestHTTPProbeOnTLSPort(t *testing.T) {
	p := newPKI(t)
	cert := p.leaf(t, leafSpec{names: []string{"svc.test"}})
	bare := serveTLS(t, cert, nil)
	web := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	web.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	web.StartTLS()
	t.Cleanup(web.Close)
	for _, addr := range []string{bare, strings.TrimPrefix(web.URL, "https://")} {
		_, err := HTTP(context.Background(), Controller(), HTTPOptions{URL: "http://" + addr + "/health", Timeout: 5 * time.Second})
		wantErr(t, err, "the server at "+addr+" speaks TLS, not plain HTTP: use https://"+addr+"/health")
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadRequest) }))
	t.Cleanup(plain.Close)
	_, err := HTTP(context.Background(), Controller(), HTTPOptions{URL: plain.URL, Timeout: 5 * time.Second})
	if err == nil || strings.Contains(err.Error(), "speaks TLS") {
		t.Errorf("plain 400: %v", err)
	}
}
