package tasks

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testWeb is a real HTTP server on 127.0.0.1 for get_url and uri: fixed
// files (with Last-Modified, so If-Modified-Since answers 304), content
// the test changes, Basic auth, redirects, cookies, gzip, JSON echo.
type testWeb struct {
	*httptest.Server
	mu       sync.Mutex
	dyn      string
	requests map[string]int
	methods  map[string][]string
	authSeen []string
}

// testModTime is the Last-Modified of the fixed files.
var testModTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestWeb(t *testing.T) *testWeb {
	w := &testWeb{dyn: "first\n", requests: map[string]int{}, methods: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/file.txt", func(rw http.ResponseWriter, r *http.Request) {
		http.ServeContent(rw, r, "file.txt", testModTime, strings.NewReader("hello from the web\n"))
	})
	mux.HandleFunc("/dyn", func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		body := w.dyn
		w.mu.Unlock()
		fmt.Fprint(rw, body)
	})
	mux.HandleFunc("/auth", func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.authSeen = append(w.authSeen, r.Header.Get("Authorization"))
		w.mu.Unlock()
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			rw.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(rw, "who are you", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(rw, "secret content\n")
	})
	mux.HandleFunc("/cd", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Disposition", `attachment; filename="named.bin"`)
		fmt.Fprint(rw, "named\n")
	})
	mux.HandleFunc("/redir", func(rw http.ResponseWriter, r *http.Request) {
		http.SetCookie(rw, &http.Cookie{Name: "session", Value: "abc", Path: "/"})
		http.Redirect(rw, r, "/echo", http.StatusFound)
	})
	mux.HandleFunc("/redir307", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/echo", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/sums", func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprint(rw, "0000000000000000000000000000000000000000000000000000000000000000  other.txt\n"+
			"6800e5a138da1ed186442cecbb944d165db00a45ce6eec03dcf39779d73c7a3f *file.txt\n")
	})
	mux.HandleFunc("/gzip", func(rw http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		io.WriteString(z, "zipped body\n")
		z.Close()
		rw.Header().Set("Content-Encoding", "gzip")
		rw.Write(b.Bytes())
	})
	mux.HandleFunc("/json", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
		rw.Header().Set("X-Custom", "yes")
		fmt.Fprint(rw, `{"name": "drover", "n": 3, "list": [1, 2]}`)
	})
	mux.HandleFunc("/echo", func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		cookie := ""
		if c, err := r.Cookie("session"); err == nil {
			cookie = c.Value
		}
		rw.Header().Set("Content-Type", "application/json")
		json.NewEncoder(rw).Encode(map[string]any{"method": r.Method, "body": string(body),
			"content_type": r.Header.Get("Content-Type"), "agent": r.Header.Get("User-Agent"),
			"token": r.Header.Get("X-Token"), "cookie": cookie, "encoding": r.Header.Get("Accept-Encoding")})
	})
	mux.HandleFunc("/status/", func(rw http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/status/"), &code)
		rw.WriteHeader(code)
		fmt.Fprintf(rw, "status %d body\n", code)
	})
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.requests[r.URL.Path]++
		w.methods[r.URL.Path] = append(w.methods[r.URL.Path], r.Method)
		w.mu.Unlock()
		mux.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *testWeb) setDyn(s string) {
	w.mu.Lock()
	w.dyn = s
	w.mu.Unlock()
}

func (w *testWeb) count(p string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.requests[p]
}

func (w *testWeb) lastMethod(p string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.methods[p]
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}
