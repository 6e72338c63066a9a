package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// urlArgs are Ansible's url_argument_spec, shared by get_url and uri.
func urlArgs() []Arg {
	return []Arg{
		{Name: "url", Type: Str, Required: true},
		{Name: "force", Type: Bool, Default: false},
		{Name: "http_agent", Type: Str, Default: "ansible-httpget"},
		{Name: "use_proxy", Type: Bool, Default: true},
		{Name: "validate_certs", Type: Bool, Default: true},
		{Name: "force_basic_auth", Type: Bool, Default: false},
		{Name: "client_cert", Type: Path},
		{Name: "client_key", Type: Path},
		{Name: "unredirected_headers", Type: List, Elements: Str, Default: []any{}},
		{Name: "decompress", Type: Bool, Default: true},
		{Name: "use_netrc", Type: Bool, Default: true},
	}
}

func init() {
	Register(&Spec{
		Name: "get_url",
		Args: append(append(urlArgs(),
			Arg{Name: "url_username", Aliases: []string{"username"}, Type: Str},
			Arg{Name: "url_password", Aliases: []string{"password"}, Type: Str, NoLog: true},
			Arg{Name: "dest", Type: Path, Required: true},
			Arg{Name: "backup", Type: Bool, Default: false},
			Arg{Name: "checksum", Type: Str, Default: ""},
			Arg{Name: "timeout", Type: Int, Default: 10},
			Arg{Name: "headers", Type: Dict},
			Arg{Name: "tmp_dest", Type: Path},
		), fileCommonArgs()...),
		Run: runGetURL,
	})
}

// httpRequestOf fills a request from the url arguments of a module.
func httpRequestOf(c *Call, method, u string) *HTTPRequest {
	a := c.Args
	req := &HTTPRequest{Method: method, URL: u, Headers: map[string]string{},
		Username: a.Str("url_username"), Password: a.Str("url_password"), ForceBasic: a.Bool("force_basic_auth"),
		UseNetrc: a.Bool("use_netrc"), Timeout: time.Duration(a.Int("timeout")) * time.Second,
		ValidateCerts: a.Bool("validate_certs"), ClientCert: a.Str("client_cert"), ClientKey: a.Str("client_key"),
		UseProxy: a.Bool("use_proxy"), Agent: a.Str("http_agent"), Decompress: a.Bool("decompress"),
		Unredirected: a.Strings("unredirected_headers"), CAPath: a.Str("ca_path"), Follow: a.Str("follow_redirects")}
	for k, v := range a.Dict("headers") {
		req.Headers[k], _ = ToStr(v)
	}
	return req
}

// getURL is one get_url call.
type getURL struct {
	c        *Call
	r        *Result
	dest     string
	algo     string
	checksum string
	start    time.Time
}

// runGetURL downloads a file to the host, as Ansible's get_url does, with
// the request made from the host (see DoHTTP) and the body streamed into
// the destination.
func runGetURL(ctx context.Context, c *Call) (*Result, error) {
	dest, err := ExpandUser(ctx, c.Conn, c.Args.Str("dest"))
	if err != nil {
		return sysErr(err)
	}
	g := &getURL{c: c, dest: dest, start: time.Now()}
	g.r = &Result{Values: map[string]any{"checksum_dest": nil, "checksum_src": nil, "dest": dest, "elapsed": 0, "url": c.Args.Str("url")}}
	res, err := g.run(ctx)
	if err != nil || res == nil {
		return res, err
	}
	if d, ok := res.Values["dest"].(string); ok {
		if err := pathInfo(ctx, c, res, d, nil); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (g *getURL) fail(format string, a ...any) *Result {
	g.r.Failed, g.r.Msg = true, fmt.Sprintf(format, a...)
	return g.r
}

func (g *getURL) run(ctx context.Context) (*Result, error) {
	c := g.c
	dfi, derr := c.Conn.Stat(ctx, g.dest)
	if derr != nil && hostErr(derr) {
		return nil, derr
	}
	destIsDir, destExists := derr == nil && dfi.IsDir(), derr == nil
	if res, err := g.parseChecksum(ctx); res != nil || err != nil {
		return res, err
	}
	force := c.Args.Bool("force")
	var lastMod *time.Time
	if !destIsDir && destExists {
		mismatch := false
		if !force && g.checksum != "" {
			d, err := hostDigest(ctx, c, g.dest, g.algo)
			if err != nil {
				return g.digestErr(err)
			}
			mismatch = d != g.checksum
			if !mismatch {
				return g.attrsOnly(ctx, "file already exists", "file already exists but file attributes changed")
			}
		}
		mt := dfi.ModTime
		lastMod = &mt
		if mismatch {
			force = true
		}
	}
	method := "GET"
	if c.Check {
		method = "HEAD"
	}
	req := httpRequestOf(c, method, c.Args.Str("url"))
	req.Force, req.LastModified = force, lastMod
	resp, res, err := g.fetch(ctx, req)
	if res != nil || err != nil {
		return res, err
	}
	defer resp.Close()
	g.r.Set("elapsed", int(time.Since(g.start).Seconds()))
	if destIsDir {
		g.dest = path.Join(g.dest, getURLFilename(resp))
		g.r.Set("dest", g.dest)
	}
	return g.store(ctx, resp)
}

// digestErr reports a failed digest of the destination.
func (g *getURL) digestErr(err error) (*Result, error) {
	if hostErr(err) {
		return nil, err
	}
	return g.fail("%v", err), nil
}

// parseChecksum reads the checksum argument (algorithm:hex or
// algorithm:URL of a checksum file).
func (g *getURL) parseChecksum(ctx context.Context) (*Result, error) {
	cs := g.c.Args.Str("checksum")
	if cs == "" {
		return nil, nil
	}
	algo, sum, ok := strings.Cut(cs, ":")
	if !ok {
		return g.fail("The checksum parameter has to be in format <algorithm>:<checksum>"), nil
	}
	g.algo = algo
	if u, err := url.Parse(sum); err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ftp" || u.Scheme == "file") {
		found, res, err := g.checksumFromURL(ctx, sum)
		if res != nil || err != nil {
			return res, err
		}
		sum = found
	}
	sum = strings.ToLower(regexp.MustCompile(`\W+`).ReplaceAllString(sum, ""))
	if sum == "" || strings.Trim(sum, "0123456789abcdef") != "" {
		return g.fail("The checksum format is invalid"), nil
	}
	if _, ok := digestAlgos[algo]; !ok {
		return g.fail("Could not hash file '%s' with algorithm '%s'. Available algorithms: %s", g.dest, algo, digestNames()), nil
	}
	g.checksum = sum
	return nil, nil
}

// checksumFromURL downloads a checksum file and finds the line of the
// URL's file name (or takes a lone checksum).
func (g *getURL) checksumFromURL(ctx context.Context, u string) (string, *Result, error) {
	resp, res, err := g.fetch(ctx, httpRequestOf(g.c, "GET", u))
	if res != nil || err != nil {
		return "", res, err
	}
	defer resp.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", g.fail("failed to create temporary content file: %v", err), nil
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	filename := getURLBase(g.c.Args.Str("url"))
	if len(lines) == 1 && len(strings.Fields(lines[0])) == 1 {
		return lines[0], nil, nil
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if strings.HasPrefix(name, " ") || strings.HasPrefix(name, "*") {
			name = name[1:]
		}
		if strings.TrimLeft(name, "./") == filename {
			return sum, nil, nil
		}
	}
	return "", g.fail("Unable to find a checksum for file '%s' in '%s'", filename, u), nil
}

// fetch makes a request and turns failures into get_url's results.
func (g *getURL) fetch(ctx context.Context, req *HTTPRequest) (*HTTPResponse, *Result, error) {
	resp, err := DoHTTP(ctx, g.c, req)
	if err != nil {
		return nil, nil, err
	}
	elapsed := int(time.Since(g.start).Seconds())
	switch {
	case resp.Status == 304:
		r := &Result{Msg: toStrOr(resp.Info["msg"])}
		r.Set("url", g.c.Args.Str("url")).Set("dest", g.dest).Set("status_code", 304).Set("elapsed", elapsed)
		return nil, r, nil
	case resp.Status == -1:
		r := Failf("%s", toStrOr(resp.Info["msg"])).Set("url", req.URL).Set("dest", g.dest).Set("elapsed", elapsed)
		return nil, r, nil
	case resp.Status != 200 && !strings.HasPrefix(req.URL, "file:/"):
		r := Failf("Request failed").Set("status_code", resp.Status).Set("response", resp.Info["msg"])
		r.Set("url", req.URL).Set("dest", g.dest).Set("elapsed", elapsed)
		return nil, r, nil
	}
	if td := g.c.Args.Str("tmp_dest"); td != "" {
		fi, err := g.c.Conn.Stat(ctx, td)
		switch {
		case err != nil && hostErr(err):
			return nil, nil, err
		case err == nil && !fi.IsDir():
			resp.Close()
			return nil, Failf("%s is a file but should be a directory.", td).Set("elapsed", elapsed), nil
		case err != nil:
			resp.Close()
			return nil, Failf("%s directory does not exist.", td).Set("elapsed", elapsed), nil
		}
	}
	return resp, nil, nil
}

// toStrOr converts a value to a string, "" for nil.
func toStrOr(v any) string {
	s, _ := ToStr(v)
	return s
}

// getURLBase is the last path element of a URL ("index.html" for none).
func getURLBase(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "index.html"
	}
	if b := path.Base(p.Path); p.Path != "" && !strings.HasSuffix(p.Path, "/") && b != "/" && b != "." {
		return b
	}
	return "index.html"
}

// getURLFilename is the name a download into a directory gets: the
// Content-Disposition filename, else the final URL's.
func getURLFilename(resp *HTTPResponse) string {
	if cd, ok := resp.Info["content-disposition"].(string); ok {
		if m := regexp.MustCompile(`^attachment; ?filename="?([^"]+)`).FindStringSubmatch(cd); m != nil {
			return path.Base(m[1])
		}
	}
	return getURLBase(resp.URL)
}

// attrsOnly applies mode/owner/group to the existing destination.
func (g *getURL) attrsOnly(ctx context.Context, same, changed string) (*Result, error) {
	ch, res, err := g.applyAttrs(ctx)
	if res != nil || err != nil {
		return res, err
	}
	g.r.Changed = ch
	g.r.Msg = same
	if ch {
		g.r.Msg = changed
	}
	return g.r, nil
}

// applyAttrs sets the file arguments on the destination as it is now.
func (g *getURL) applyAttrs(ctx context.Context) (bool, *Result, error) {
	lst, err := g.c.Conn.Lstat(ctx, g.dest)
	if err != nil {
		return false, nil, err
	}
	st := stateOf(lst)
	plan, err := planAttrs(ctx, g.c, fileArgsOf(g.c), st)
	if err == nil {
		err = applyAttrs(ctx, g.c, g.dest, plan, st)
	}
	if err != nil {
		res, err := failAttr(err, g.dest)
		return false, res, err
	}
	return plan.Changed(), nil, nil
}

// store writes the body to the destination unless it already has that
// content, then checks the checksum and sets the file's attributes.
func (g *getURL) store(ctx context.Context, resp *HTTPResponse) (*Result, error) {
	c := g.c
	lst, lerr := c.Conn.Stat(ctx, g.dest)
	if lerr != nil && hostErr(lerr) {
		return nil, lerr
	}
	exists := lerr == nil
	destSum := ""
	if exists {
		sum, err := c.Conn.Checksum(ctx, g.dest)
		if err != nil {
			if hostErr(err) {
				return nil, err
			}
			return g.fail("Destination %s is not readable", g.dest), nil
		}
		destSum = sum
		g.r.Set("checksum_dest", sum)
	} else if _, err := c.Conn.Stat(ctx, path.Dir(g.dest)); err != nil {
		if hostErr(err) {
			return nil, err
		}
		return g.fail("Destination %s does not exist", path.Dir(g.dest)), nil
	}
	h := newHashingReader(resp.Body, g.algo, destSum)
	if c.Check {
		if err := readAllHashing(h); err != nil {
			return g.fail("failed to create temporary content file: %v", err), nil
		}
		g.r.Set("checksum_src", h.SHA1())
		g.r.Changed = h.SHA1() != destSum
		g.r.Msg = toStrOr(resp.Info["msg"])
		return g.r, nil
	}
	res, err := g.write(ctx, h, exists, lst)
	if res != nil || err != nil {
		return res, err
	}
	g.r.Set("checksum_src", h.SHA1())
	return g.finish(ctx, h, resp)
}

// write streams the content into the destination; a backup keeps the old
// file when the content differs.
func (g *getURL) write(ctx context.Context, h *hashingReader, exists bool, old transport.FileInfo) (*Result, error) {
	c := g.c
	var err error
	var backupFile string
	if exists && c.Args.Bool("backup") {
		backupFile, err = g.writeWithBackup(ctx, h, old)
	} else {
		var o *transport.FileInfo
		if exists {
			o = &old
		}
		w := &FileWrite{Path: g.dest, Open: func() (io.ReadCloser, error) { return io.NopCloser(h), nil }, Old: o, Args: fileArgsOf(c)}
		var wr WriteResult
		wr, err = w.Write(ctx, c)
		if wr.Failure != nil && !h.matched {
			return wr.Failure, nil
		}
	}
	if h.matched {
		return nil, nil
	}
	if err != nil {
		if hostErr(err) || errors.Is(err, context.Canceled) {
			return nil, err
		}
		return g.fail("failed to copy %s to %s: %s", c.Args.Str("url"), g.dest, writeErr(err)), nil
	}
	g.r.Changed = true
	if backupFile != "" {
		g.r.Set("backup_file", backupFile)
	}
	return nil, nil
}

// writeWithBackup writes the content beside the destination, and only when
// it differs keeps a backup of the old file and renames the new one over
// it (with the old file's mode and owner, as atomic_move does).
func (g *getURL) writeWithBackup(ctx context.Context, h *hashingReader, old transport.FileInfo) (string, error) {
	c := g.c
	tmp := path.Join(path.Dir(g.dest), "."+path.Base(g.dest)+".drover-get-"+randomHex())
	if err := c.Conn.Put(ctx, tmp, h, transport.PutOptions{Mode: fileModeOf(unixPerm(old.Mode))}); err != nil {
		return "", err
	}
	name, err := backupFile(ctx, c.Conn, g.dest)
	if err == nil {
		err = c.Conn.Chown(ctx, tmp, old.UID, old.GID)
		if err != nil && !hostErr(err) {
			err = nil
		}
	}
	if err == nil {
		err = c.Conn.Rename(ctx, tmp, g.dest)
	}
	if err != nil {
		_ = c.Conn.Remove(ctx, tmp)
	}
	return name, err
}

// finish verifies the checksum, applies the file's attributes and adds
// md5sum, msg and status_code.
func (g *getURL) finish(ctx context.Context, h *hashingReader, resp *HTTPResponse) (*Result, error) {
	if g.checksum != "" && h.Algo() != g.checksum {
		if err := g.c.Conn.Remove(ctx, g.dest); err != nil && hostErr(err) {
			return nil, err
		}
		return g.fail("The checksum for %s did not match %s; it was %s.", g.dest, g.checksum, h.Algo()), nil
	}
	ch, res, err := g.applyAttrs(ctx)
	if res != nil || err != nil {
		return res, err
	}
	g.r.Changed = g.r.Changed || ch
	g.r.Set("md5sum", h.MD5())
	g.r.Msg = toStrOr(resp.Info["msg"])
	g.r.Set("status_code", resp.Info["status"])
	return g.r, nil
}
