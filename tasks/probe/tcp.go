package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TCPOptions configure a TCP probe.
type TCPOptions struct {
	// Target is host:port.
	Target    string        `json:"target"`
	Timeout   time.Duration `json:"-"`
	IPVersion IPVersion     `json:"ip_version,omitempty"`
	// TLS starts TLS right after connecting; StartTLS (smtp, imap, pop3,
	// ftp, postgres) upgrades the plain connection first.
	TLS       bool   `json:"tls,omitempty"`
	StartTLS  string `json:"starttls,omitempty"`
	TLSClient `json:"tls_config"`
	// Dialogue runs after connecting (and after TLS).
	Dialogue []Step `json:"dialogue,omitempty"`
	// ReadBanner waits for one line from the server when the dialogue read
	// none, so that Banner is filled (for silent servers the probe then
	// times out).
	ReadBanner bool `json:"read_banner,omitempty"`
}

// Step is one turn of a TCP dialogue: an optional expectation, then an
// optional message. Sends may use the captures of earlier expectations:
// ${name} for a named group of any earlier step, $1 or ${1} for the groups of
// the latest expect, $$ for a dollar sign.
type Step struct {
	// Expect reads lines until one matches this regular expression.
	Expect string `json:"expect,omitempty"`
	// ExpectBytes reads until these bytes (hex, spaces and colons allowed)
	// arrive.
	ExpectBytes string `json:"expect_bytes,omitempty"`
	// Send writes this line followed by CRLF.
	Send string `json:"send,omitempty"`
	// SendBytes writes these bytes (hex) as they are.
	SendBytes string `json:"send_bytes,omitempty"`
}

// TCPResult is what a TCP probe found.
type TCPResult struct {
	Address     string   `json:"address"`
	ConnectTime Duration `json:"connect_time"`
	// Banner is the first line the server sent.
	Banner string `json:"banner,omitempty"`
	// Matches are the lines the dialogue's expectations matched.
	Matches []Match `json:"matches,omitempty"`
	// Captures are the named groups captured over the whole dialogue.
	Captures map[string]string `json:"captures,omitempty"`
	TLS      *TLSState         `json:"tls,omitempty"`
	Elapsed  Duration          `json:"elapsed"`
}

// Match is one satisfied expectation of a dialogue.
type Match struct {
	Step   int      `json:"step"`
	Line   string   `json:"line"`
	Groups []string `json:"groups,omitempty"`
}

// TCP connects to opts.Target and runs the dialogue.
func TCP(ctx context.Context, o Origin, opts TCPOptions) (TCPResult, error) {
	ctx, cancel := withTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	var res TCPResult
	defer func() { res.Elapsed = Duration(time.Since(start)) }()
	steps, err := compileSteps(opts.Dialogue)
	if err != nil {
		return res, fail(ctx, err)
	}
	raw, d, err := o.dialTCP(ctx, opts.Target, opts.IPVersion)
	res.Address, res.ConnectTime = d.addr, Duration(d.connect)
	if err != nil {
		return res, fail(ctx, err)
	}
	conn := guard(ctx, raw)
	defer conn.Close()
	lc := newLineConn(conn)
	if opts.TLS || opts.StartTLS != "" {
		if lc, err = opts.upgrade(ctx, lc, &res); err != nil {
			return res, fail(ctx, err)
		}
	}
	d2 := dialogue{lc: lc, res: &res, vars: map[string]string{}}
	for i, s := range steps {
		if err := d2.run(i, s); err != nil {
			return res, fail(ctx, fmt.Errorf("step %d: %w", i+1, err))
		}
	}
	if opts.ReadBanner && res.Banner == "" {
		if res.Banner, err = lc.readLine(); err != nil {
			return res, fail(ctx, fmt.Errorf("reading banner: %w", err))
		}
	}
	return res, nil
}

// upgrade runs STARTTLS when asked and the TLS handshake, records the TLS
// state, and fails on a certificate the options do not accept.
func (opts TCPOptions) upgrade(ctx context.Context, lc *lineConn, res *TCPResult) (*lineConn, error) {
	banner, err := startTLS(ctx, opts.StartTLS, lc)
	res.Banner = banner
	if err != nil {
		return nil, err
	}
	cfg, err := opts.clientConfig(hostOf(opts.Target))
	if err != nil {
		return nil, err
	}
	tc := tls.Client(lc.Conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w", opts.Target, err)
	}
	now := time.Now()
	st := inspect(tc.ConnectionState(), cfg.RootCAs, cfg.ServerName, now)
	res.TLS = &st
	status, reason := classify(&st, now, Thresholds{}, true)
	if err := opts.judge(&st, status, reason, Thresholds{}); err != nil {
		return nil, err
	}
	return newLineConn(tc), nil
}

// compiledStep is a Step with its pattern compiled and bytes decoded.
type compiledStep struct {
	Step
	re          *regexp.Regexp
	expectBytes []byte
	sendBytes   []byte
}

// compileSteps checks and prepares a dialogue before anything is dialled.
func compileSteps(steps []Step) ([]compiledStep, error) {
	out := make([]compiledStep, len(steps))
	for i, s := range steps {
		c := compiledStep{Step: s}
		var err error
		switch {
		case s.Expect != "" && s.ExpectBytes != "":
			err = errors.New("expect and expect_bytes are exclusive")
		case s.Send != "" && s.SendBytes != "":
			err = errors.New("send and send_bytes are exclusive")
		case s == (Step{}):
			err = errors.New("empty step: give expect, expect_bytes, send or send_bytes")
		}
		if err == nil && s.Expect != "" {
			c.re, err = regexp.Compile(s.Expect)
		}
		if err == nil && s.ExpectBytes != "" {
			c.expectBytes, err = decodeHex(s.ExpectBytes)
		}
		if err == nil && s.SendBytes != "" {
			c.sendBytes, err = decodeHex(s.SendBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("dialogue step %d: %w", i+1, err)
		}
		out[i] = c
	}
	return out, nil
}

// decodeHex reads hex bytes, allowing spaces, colons and a 0x prefix.
func decodeHex(s string) ([]byte, error) {
	clean := strings.NewReplacer(" ", "", ":", "", "\t", "").Replace(strings.TrimPrefix(s, "0x"))
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("%q is not hex bytes", s)
	}
	return b, nil
}

// dialogue is the state of a running TCP dialogue.
type dialogue struct {
	lc   *lineConn
	res  *TCPResult
	vars map[string]string // named captures, and numbered ones of the latest expect
}

// run performs step i.
func (d *dialogue) run(i int, s compiledStep) error {
	switch {
	case s.re != nil:
		if err := d.expect(i, s.re); err != nil {
			return err
		}
	case s.expectBytes != nil:
		if err := d.expectBytes(s.expectBytes); err != nil {
			return err
		}
	}
	switch {
	case s.Send != "":
		return d.lc.writeLine(d.expand(s.Send))
	case s.sendBytes != nil:
		_, err := d.lc.Conn.Write(s.sendBytes)
		return err
	}
	return nil
}

// expect reads lines until one matches re and records its captures.
func (d *dialogue) expect(i int, re *regexp.Regexp) error {
	var last string
	for {
		line, err := d.lc.readLine()
		if err != nil {
			return fmt.Errorf("expect %q: %w (last line %q)", re, err, last)
		}
		if d.res.Banner == "" {
			d.res.Banner = line
		}
		last = line
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		d.record(i, re, line, m)
		return nil
	}
}

// record keeps the groups of a match for later sends and the result.
func (d *dialogue) record(i int, re *regexp.Regexp, line string, m []string) {
	d.res.Matches = append(d.res.Matches, Match{Step: i + 1, Line: line, Groups: m[1:]})
	for k := range d.vars {
		if _, err := strconv.Atoi(k); err == nil {
			delete(d.vars, k)
		}
	}
	for j, name := range re.SubexpNames() {
		d.vars[strconv.Itoa(j)] = m[j]
		if name != "" {
			d.vars[name] = m[j]
			if d.res.Captures == nil {
				d.res.Captures = map[string]string{}
			}
			d.res.Captures[name] = m[j]
		}
	}
}

// expectBytes reads until want has arrived.
func (d *dialogue) expectBytes(want []byte) error {
	var seen []byte
	for len(seen) < 1<<20 {
		b, err := d.lc.r.ReadByte()
		if err != nil {
			return fmt.Errorf("expect_bytes %X: %w after %d bytes", want, err, len(seen))
		}
		seen = append(seen, b)
		if bytes.HasSuffix(seen, want) {
			return nil
		}
	}
	return fmt.Errorf("expect_bytes %X: not found in the first MiB", want)
}

// varRef finds $$, ${name} and $N in a send.
var varRef = regexp.MustCompile(`\$\$|\$\{(\w+)\}|\$(\d+)`)

// expand substitutes captures into s; unknown names become empty.
func (d *dialogue) expand(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if ref == "$$" {
			return "$"
		}
		name := strings.Trim(ref, "${}")
		return d.vars[name]
	})
}
