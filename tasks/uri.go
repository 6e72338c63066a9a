package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/drover/drover/internal/pyfmt"
	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "uri",
		Args: append(append(urlArgs(),
			Arg{Name: "url_username", Aliases: []string{"user"}, Type: Str},
			Arg{Name: "url_password", Aliases: []string{"password"}, Type: Str, NoLog: true},
			Arg{Name: "dest", Type: Path},
			Arg{Name: "body", Type: Raw},
			Arg{Name: "body_format", Type: Str, Default: "raw", Choices: []string{"form-urlencoded", "json", "raw", "form-multipart"}},
			Arg{Name: "src", Type: Path},
			Arg{Name: "method", Type: Str, Default: "GET"},
			Arg{Name: "return_content", Type: Bool, Default: false},
			Arg{Name: "follow_redirects", Type: Str, Default: "safe", Choices: []string{"all", "no", "none", "safe", "urllib2", "yes"}},
			Arg{Name: "creates", Type: Path},
			Arg{Name: "removes", Type: Path},
			Arg{Name: "status_code", Type: List, Elements: Int, Default: []any{200}},
			Arg{Name: "timeout", Type: Int, Default: 30},
			Arg{Name: "headers", Type: Dict, Default: map[string]any{}},
			Arg{Name: "remote_src", Type: Bool, Default: false},
			Arg{Name: "ca_path", Type: Path},
		), fileCommonArgs()...),
		MutuallyExclusive: [][]string{{"body", "src"}},
		Run:               runURI,
	})
}

// runURI makes an HTTP request from the host, as Ansible's uri module does
// (see DoHTTP), and returns the status, headers (lower case, - as _) and,
// for JSON or with return_content, the body.
func runURI(ctx context.Context, c *Call) (*Result, error) {
	if c.Check {
		return &Result{Skipped: true, Msg: "remote module (ansible.legacy.uri) does not support check mode"}, nil
	}
	a := c.Args
	method := strings.ToUpper(a.Str("method"))
	if !regexp.MustCompile(`^[A-Z]+$`).MatchString(method) {
		return Failf("Parameter 'method' needs to be a single word in uppercase, like GET or POST."), nil
	}
	req := httpRequestOf(c, method, a.Str("url"))
	if res := uriBody(c, req); res != nil {
		return res, nil
	}
	if skip, err := uriCreatesRemoves(ctx, c); skip != nil || err != nil {
		return skip, err
	}
	if res, err := uriSource(ctx, c, req); res != nil || err != nil {
		return res, err
	}
	dest := a.Str("dest")
	var destInfo *transport.FileInfo
	if dest != "" {
		if fi, err := c.Conn.Stat(ctx, dest); err == nil {
			destInfo = &fi
			if fi.Mode.IsRegular() {
				mt := fi.ModTime
				req.LastModified = &mt
			}
		} else if hostErr(err) {
			return nil, err
		}
	}
	start := time.Now()
	resp, err := DoHTTP(ctx, c, req)
	if err != nil {
		return nil, err
	}
	defer resp.Close()
	return uriResult(ctx, c, resp, dest, destInfo, int(time.Since(start).Seconds()))
}

// uriBody encodes the body by body_format; a non-nil result is a failure.
func uriBody(c *Call, req *HTTPRequest) *Result {
	body := c.Args["body"]
	hasCT := httpHasHeader(req.Headers, "content-type")
	switch c.Args.Str("body_format") {
	case "json":
		if s, ok := body.(string); ok {
			req.Body = []byte(s)
		} else {
			req.Body = []byte(pyfmt.JSON(body, 0))
		}
		if !hasCT {
			req.Headers["Content-Type"] = "application/json"
		}
	case "form-urlencoded":
		if s, ok := body.(string); ok {
			req.Body = []byte(s)
		} else {
			enc, err := formURLEncoded(body)
			if err != nil {
				return Failf("failed to parse body as form_urlencoded: %v", err).Set("elapsed", 0)
			}
			req.Body = []byte(enc)
		}
		if !hasCT {
			req.Headers["Content-Type"] = "application/x-www-form-urlencoded"
		}
	case "form-multipart":
		ct, data, err := formMultipart(c, body)
		if err != nil {
			return Failf("failed to parse body as form-multipart: %v", err)
		}
		req.Body, req.Headers["Content-Type"] = data, ct
	default:
		if body != nil {
			req.Body = []byte(contentBytes(body))
		}
	}
	return nil
}

// formURLEncoded encodes a mapping (or list of pairs) as Python's
// urlencode(doseq=True) does, in the mapping's order.
func formURLEncoded(body any) (string, error) {
	var pairs [][2]any
	switch b := body.(type) {
	case map[string]any:
		keys := make([]string, 0, len(b))
		for k := range b {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			pairs = append(pairs, [2]any{k, b[k]})
		}
	case []any:
		for _, e := range b {
			l, ok := e.([]any)
			if !ok || len(l) != 2 {
				return "", fmt.Errorf("cannot form-urlencode body, expect list or dict")
			}
			pairs = append(pairs, [2]any{l[0], l[1]})
		}
	default:
		return "", fmt.Errorf("cannot form-urlencode body, expect list or dict")
	}
	var parts []string
	for _, p := range pairs {
		k, _ := ToStr(p[0])
		vals, ok := p[1].([]any)
		if !ok {
			vals = []any{p[1]}
		}
		for _, v := range vals {
			if v == nil {
				continue
			}
			s, _ := ToStr(v)
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(s))
		}
	}
	return strings.Join(parts, "&"), nil
}

// formMultipart builds a multipart/form-data body: string fields, and
// files given as {filename, content, mime_type} (filename a controller
// file found beside the playbook unless content is given).
func formMultipart(c *Call, body any) (string, []byte, error) {
	fields, ok := body.(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("body must be mapping, cannot be type %T", body)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := multipartField(c, w, k, fields[k]); err != nil {
			return "", nil, err
		}
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	return w.FormDataContentType(), buf.Bytes(), nil
}

func multipartField(c *Call, w *multipart.Writer, k string, v any) error {
	m, isFile := v.(map[string]any)
	if !isFile {
		s, _ := ToStr(v)
		return w.WriteField(k, s)
	}
	filename, _ := ToStr(m["filename"])
	content, hasContent := m["content"]
	var data []byte
	if hasContent && content != nil {
		data = []byte(toStrOr(content))
	} else {
		if filename == "" {
			return fmt.Errorf("at least one of filename or content must be provided")
		}
		p, err := c.Find("files", filename)
		if err != nil {
			return err
		}
		if data, err = os.ReadFile(p); err != nil {
			return err
		}
	}
	mt, _ := ToStr(m["mime_type"])
	if mt == "" {
		mt = mime.TypeByExtension(path.Ext(filename))
	}
	if mt == "" {
		mt = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, k, path.Base(filename)))
	h.Set("Content-Type", mt)
	pw, err := w.CreatePart(h)
	if err == nil {
		_, err = pw.Write(data)
	}
	return err
}

// uriCreatesRemoves skips the request as Ansible does when creates exists
// or removes does not.
func uriCreatesRemoves(ctx context.Context, c *Call) (*Result, error) {
	if p := c.Args.Str("creates"); p != "" {
		if found, err := exists(ctx, c, p); err != nil || found {
			return OK().Set("stdout", "skipped, since '"+p+"' exists"), err
		}
	}
	if p := c.Args.Str("removes"); p != "" {
		if found, err := exists(ctx, c, p); err != nil || !found {
			return OK().Set("stdout", "skipped, since '"+p+"' does not exist"), err
		}
	}
	return nil, nil
}

// uriSource sends the src file as the body: a controller file (found
// beside the playbook), or a host file with remote_src.
func uriSource(ctx context.Context, c *Call, req *HTTPRequest) (*Result, error) {
	src := c.Args.Str("src")
	if src == "" {
		return nil, nil
	}
	if c.Args.Bool("remote_src") {
		data, err := hostFile(ctx, c.Conn, src)
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			return Failf("Unable to open source file %s", src).Set("elapsed", 0), nil
		}
		req.Body = data
	} else {
		p, err := c.Find("files", src)
		if err != nil {
			return Failf("%v", err), nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return Failf("Unable to open source file %s", src).Set("elapsed", 0), nil
		}
		req.Body = data
	}
	req.Headers["Content-Length"] = fmt.Sprint(len(req.Body))
	return nil, nil
}

// uriContentType reads the response's content type and charset as
// Ansible's parse_content_type does.
func uriContentType(info map[string]any) (sub string, charset string) {
	ct := "application/octet-stream"
	params := map[string]string{}
	if raw, ok := info["content-type"].(string); ok {
		if mt, p, err := mime.ParseMediaType(raw); err == nil {
			ct, params = mt, p
		} else if mt, _, _ := strings.Cut(raw, ";"); strings.Contains(mt, "/") {
			ct = strings.ToLower(strings.TrimSpace(mt))
		}
	}
	ct = strings.Split(ct, ",")[0]
	_, sub, _ = strings.Cut(ct, "/")
	charset = "utf-8"
	if cs := params["charset"]; cs != "" {
		charset = strings.Split(cs, ",")[0]
	}
	return sub, charset
}

// uriMaybeJSON tells whether the content type is JSON (application/json,
// +json, javascript).
func uriMaybeJSON(sub string) bool {
	if _, suffix, ok := strings.Cut(sub, "+"); ok {
		sub = suffix
	}
	sub = strings.ToLower(sub)
	return sub == "json" || sub == "javascript"
}

// uriResult builds uri's result from the response: status check, the
// body (content, json), the file written with dest, the headers.
func uriResult(ctx context.Context, c *Call, resp *HTTPResponse, dest string, destInfo *transport.FileInfo, elapsed int) (*Result, error) {
	codes := map[int]bool{}
	var codeList []any
	for _, v := range c.Args.List("status_code") {
		n, _ := ToInt(v)
		codes[n] = true
		codeList = append(codeList, n)
	}
	status := resp.Status
	sub, _ := uriContentType(resp.Info)
	maybeJSON := uriMaybeJSON(sub)
	if resp.Body == nil && resp.Status != -1 && resp.ErrBody == nil {
		maybeJSON = false
	}
	returnContent := c.Args.Bool("return_content")
	maybeOutput := maybeJSON || returnContent || !codes[status]
	info := resp.Info
	var content []byte
	haveContent := false
	if maybeOutput {
		haveContent = true
		if resp.Body != nil {
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				return Failf("%v", err), nil
			}
			content = b
		} else {
			content = resp.ErrBody
			delete(info, "body")
		}
	}
	if resp.Status != -1 && dest != "" && destInfo != nil && destInfo.IsDir() {
		dest = path.Join(dest, uriFilename(resp))
	}
	r := &Result{Values: map[string]any{}}
	for k, v := range info {
		r.Values[strings.ToLower(strings.ReplaceAll(k, "-", "_"))] = v
	}
	r.Values["redirected"] = resp.URL != c.Args.Str("url") && resp.Status != -1 && info["url"] != c.Args.Str("url")
	r.Values["elapsed"], r.Values["status"] = elapsed, status
	if loc, ok := r.Values["location"].(string); ok {
		r.Values["location"] = uriAbsLocation(c.Args.Str("url"), loc)
	}
	if resp.Status != -1 && dest != "" && codes[status] && status != 304 {
		var body io.Reader = bytes.NewReader(content)
		if !haveContent && resp.Body != nil {
			body = resp.Body
		}
		if res, err := uriWrite(ctx, c, r, dest, body); res != nil || err != nil {
			return res, err
		}
	}
	if resp.Status != -1 && dest != "" {
		r.Values["path"] = dest
		if err := pathInfo(ctx, c, r, dest, nil); err != nil {
			return nil, err
		}
	}
	var text any
	if haveContent {
		text = string(content)
		if maybeJSON {
			var js any
			if json.Unmarshal(content, &js) == nil {
				r.Values["json"] = js
			}
		}
	}
	msg := toStrOr(r.Values["msg"])
	delete(r.Values, "msg")
	r.Msg = msg
	if !codes[status] {
		r.Failed = true
		r.Msg = fmt.Sprintf("Status code was %d and not %s: %s", status, PyRepr(codeList), msg)
	}
	if returnContent {
		r.Values["content"] = text
	}
	if r.Msg == "" {
		r.Values["msg"] = ""
	}
	return r, nil
}

// uriFilename is the name a response is saved under in a dest directory.
func uriFilename(resp *HTTPResponse) string {
	if cd, ok := resp.Info["content-disposition"].(string); ok {
		if _, p, err := mime.ParseMediaType(cd); err == nil && p["filename"] != "" {
			return p["filename"]
		}
	}
	u, err := url.Parse(resp.URL)
	if err == nil {
		if b := path.Base(strings.TrimRight(u.Path, "/")); b != "" && b != "/" && b != "." {
			if un, err := url.PathUnescape(b); err == nil {
				return un
			}
			return b
		}
	}
	return "index.html"
}

// uriAbsLocation makes a Location header absolute, as Ansible does.
func uriAbsLocation(u, loc string) string {
	switch {
	case strings.Contains(loc, "://"):
		return loc
	case strings.HasPrefix(loc, "/"):
		p, err := url.Parse(u)
		if err != nil {
			return loc
		}
		return strings.Replace(u, p.Path, "", 1) + loc
	}
	return path.Dir(u) + "/" + loc
}

// uriWrite saves the body to dest when it differs, then applies the file
// arguments; uri reports changed whenever it writes dest.
func uriWrite(ctx context.Context, c *Call, r *Result, dest string, body io.Reader) (*Result, error) {
	var old *transport.FileInfo
	sum := ""
	if fi, err := c.Conn.Lstat(ctx, dest); err == nil {
		old = &fi
		if s, err := c.Conn.Checksum(ctx, dest); err == nil {
			sum = s
		}
	}
	h := newHashingReader(body, "", sum)
	w := &FileWrite{Path: dest, Open: func() (io.ReadCloser, error) { return io.NopCloser(h), nil }, Old: old, Args: fileArgsOf(c)}
	wr, err := w.Write(ctx, c)
	if !h.matched {
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			return Failf("failed to copy to %s: %s", dest, writeErr(err)), nil
		}
		if wr.Failure != nil {
			return wr.Failure, nil
		}
	}
	r.Changed = true
	lst, err := c.Conn.Lstat(ctx, dest)
	if err != nil {
		return sysErr(err)
	}
	st := stateOf(lst)
	plan, err := planAttrs(ctx, c, fileArgsOf(c), st)
	if err == nil {
		err = applyAttrs(ctx, c, dest, plan, st)
	}
	if err != nil {
		return failAttr(err, dest)
	}
	return nil, nil
}
