package probe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// TLSClient is the client side of a TLS connection made by a probe.
type TLSClient struct {
	// ServerName is sent as SNI and checked against the certificate; the
	// target's host name when empty.
	ServerName string `json:"server_name,omitempty"`
	// CAFile is a PEM file (on the controller) of the roots to trust instead
	// of the system's.
	CAFile string `json:"ca_file,omitempty"`
	// RootCAs, when set, are the roots to trust (CAFile is then ignored).
	RootCAs *x509.CertPool `json:"-"`
	// ClientCert and ClientKey are PEM files (on the controller) of a client
	// certificate and its key.
	ClientCert string `json:"client_cert,omitempty"`
	ClientKey  string `json:"client_key,omitempty"`
	// MinVersion fails the probe when the negotiated version is older:
	// "1.0", "1.1", "1.2" or "1.3".
	MinVersion string `json:"min_version,omitempty"`
	// Insecure inspects the certificate without failing on its trust, name
	// or validity period.
	Insecure bool `json:"insecure,omitempty"`
}

// TLSState is what a TLS handshake showed: always filled after a handshake,
// whether or not the certificate verifies.
type TLSState struct {
	Version     string `json:"version"`
	Cipher      string `json:"cipher"`
	ServerName  string `json:"server_name"`
	ALPN        string `json:"alpn,omitempty"`
	OCSPStapled bool   `json:"ocsp_stapled"`
	// Leaf is the server's certificate; Chain is every certificate it
	// presented, leaf first.
	Leaf  CertInfo   `json:"leaf"`
	Chain []CertInfo `json:"chain"`
	// ChainVerified tells whether the chain leads to a trusted root at the
	// time of the probe; ChainError says why not.
	ChainVerified bool   `json:"chain_verified"`
	ChainError    string `json:"chain_error,omitempty"`
	// NameMatches tells whether the leaf is valid for ServerName.
	NameMatches bool   `json:"name_matches"`
	NameError   string `json:"name_error,omitempty"`

	version uint16
	certs   []*x509.Certificate
	// trustedWhenValid: the chain fails only on dates (an expired or not
	// yet valid certificate), and leads to a trusted root within them.
	trustedWhenValid bool
}

// Certificates are the certificates the server presented, leaf first.
func (s *TLSState) Certificates() []*x509.Certificate { return s.certs }

// CertInfo describes one certificate.
type CertInfo struct {
	Subject            string    `json:"subject"`
	CommonName         string    `json:"common_name"`
	SANs               []string  `json:"sans"`
	Issuer             string    `json:"issuer"`
	Serial             string    `json:"serial"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	DaysLeft           int       `json:"days_left"`
	IsCA               bool      `json:"is_ca"`
	SelfSigned         bool      `json:"self_signed"`
	SignatureAlgorithm string    `json:"signature_algorithm"`
	SHA256             string    `json:"sha256_fingerprint"`
}

// TLSOptions configure a TLS probe.
type TLSOptions struct {
	// Target is host:port.
	Target    string        `json:"target"`
	Timeout   time.Duration `json:"-"`
	IPVersion IPVersion     `json:"ip_version,omitempty"`
	// StartTLS, when set, upgrades a plain connection first: smtp, imap,
	// pop3, ftp or postgres.
	StartTLS string `json:"starttls,omitempty"`
	TLSClient
	Thresholds
	// ExpectIssuer is a regular expression the leaf's issuer must match.
	ExpectIssuer string `json:"expect_issuer,omitempty"`
	// ExpectSANs must all be among the leaf's subject alternative names.
	ExpectSANs []string `json:"expect_sans,omitempty"`
	// Now is the time certificates are judged at; the current time when zero.
	Now time.Time `json:"-"`
}

// TLSResult is what a TLS probe found.
type TLSResult struct {
	Address       string   `json:"address"`
	ConnectTime   Duration `json:"connect_time"`
	HandshakeTime Duration `json:"handshake_time"`
	Banner        string   `json:"banner,omitempty"`
	TLSState
	// DaysLeft is the leaf's, and Status its verdict (see Status).
	DaysLeft int      `json:"days_left"`
	Status   Status   `json:"status"`
	Reason   string   `json:"reason,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// TLS connects to opts.Target, completes a TLS handshake (after a STARTTLS
// exchange when asked), reports the certificates and connection parameters,
// and checks them. The result is filled even when the probe fails.
func TLS(ctx context.Context, o Origin, opts TLSOptions) (TLSResult, error) {
	ctx, cancel := withTimeout(ctx, opts.Timeout)
	defer cancel()
	var res TLSResult
	cfg, err := opts.clientConfig(hostOf(opts.Target))
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
	res.Banner, err = startTLS(ctx, opts.StartTLS, newLineConn(conn))
	if err != nil {
		return res, fail(ctx, err)
	}
	start := time.Now()
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return res, fail(ctx, fmt.Errorf("TLS handshake with %s: %w", opts.Target, err))
	}
	res.HandshakeTime = Duration(time.Since(start))
	now := nowOr(opts.Now)
	res.TLSState = inspect(tc.ConnectionState(), cfg.RootCAs, cfg.ServerName, now)
	res.DaysLeft = res.Leaf.DaysLeft
	res.Status, res.Reason = classify(&res.TLSState, now, opts.Thresholds, true)
	return res, fail(ctx, opts.check(&res))
}

// check applies the probe's checks to a filled result, adding warnings.
func (opts TLSOptions) check(res *TLSResult) error {
	if len(res.Chain) > 0 {
		if s, why := expiry(res.Leaf, opts.Thresholds); s == StatusWarn {
			res.Warnings = append(res.Warnings, "certificate "+why)
		}
	}
	if err := opts.TLSClient.judge(&res.TLSState, res.Status, res.Reason, opts.Thresholds); err != nil {
		return err
	}
	if opts.ExpectIssuer != "" {
		re, err := regexp.Compile(opts.ExpectIssuer)
		if err != nil {
			return fmt.Errorf("expect_issuer: %w", err)
		}
		if !re.MatchString(res.Leaf.Issuer) {
			return fmt.Errorf("issuer %q does not match expect_issuer %q", res.Leaf.Issuer, opts.ExpectIssuer)
		}
	}
	for _, san := range opts.ExpectSANs {
		if !slices.ContainsFunc(res.Leaf.SANs, func(s string) bool { return strings.EqualFold(s, san) }) {
			return fmt.Errorf("certificate has no SAN %q (SANs: %s)", san, strings.Join(res.Leaf.SANs, ", "))
		}
	}
	return nil
}

// judge fails a handshake whose certificate verdict is not acceptable under
// c, or whose version is older than c.MinVersion.
func (c TLSClient) judge(st *TLSState, status Status, reason string, th Thresholds) error {
	if c.MinVersion != "" {
		min, err := parseTLSVersion(c.MinVersion)
		if err != nil {
			return err
		}
		if st.version < min {
			return fmt.Errorf("negotiated %s, older than min_version %s", st.Version, tls.VersionName(min))
		}
	}
	if c.Insecure {
		switch {
		case th.CriticalDays <= 0 || st.Leaf.DaysLeft >= th.CriticalDays:
			return nil
		case st.Leaf.DaysLeft < 0:
			return fmt.Errorf("certificate expired %s ago", days(-st.Leaf.DaysLeft))
		}
		_, why := expiry(st.Leaf, th)
		return fmt.Errorf("certificate %s", why)
	}
	switch status {
	case StatusOK, StatusWarn:
		return nil
	case StatusCrit:
		return fmt.Errorf("certificate %s", reason)
	}
	if strings.HasPrefix(reason, string(status)+": ") {
		return errors.New(reason) // several problems, each named
	}
	return fmt.Errorf("%s: %s", status, reason)
}

// clientConfig builds the tls.Config of a probe. Verification is done by
// inspect after the handshake, so the handshake itself never fails on it.
func (c TLSClient) clientConfig(defaultName string) (*tls.Config, error) {
	cfg := &tls.Config{
		ServerName:         c.ServerName,
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS10,
		RootCAs:            c.RootCAs,
	}
	if cfg.ServerName == "" {
		cfg.ServerName = defaultName
	}
	if c.MinVersion != "" {
		if _, err := parseTLSVersion(c.MinVersion); err != nil {
			return nil, err
		}
	}
	if cfg.RootCAs == nil && c.CAFile != "" {
		pool, err := loadCAFile(c.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if c.ClientCert != "" || c.ClientKey != "" {
		pair, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("client_cert/client_key: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// LoadCAFile reads a PEM bundle of trusted roots.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate found", path)
	}
	return pool, nil
}

// inspect describes a finished handshake and verifies its certificates
// against roots (the system's when nil) and serverName at time now.
func inspect(cs tls.ConnectionState, roots *x509.CertPool, serverName string, now time.Time) TLSState {
	st := TLSState{
		Version:     tls.VersionName(cs.Version),
		Cipher:      tls.CipherSuiteName(cs.CipherSuite),
		ServerName:  serverName,
		ALPN:        cs.NegotiatedProtocol,
		OCSPStapled: len(cs.OCSPResponse) > 0,
		version:     cs.Version,
		certs:       cs.PeerCertificates,
	}
	if len(cs.PeerCertificates) == 0 {
		st.ChainError, st.NameError = "server presented no certificate", "server presented no certificate"
		return st
	}
	for _, c := range cs.PeerCertificates {
		st.Chain = append(st.Chain, certInfo(c, now))
	}
	st.Leaf = st.Chain[0]
	if err := verifyChain(cs.PeerCertificates, roots, now); err != nil {
		st.ChainError = oneLine(err.Error())
		var invalid x509.CertificateInvalidError
		if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
			st.trustedWhenValid = verifyChain(cs.PeerCertificates, roots, withinValidity(cs.PeerCertificates[0])) == nil
		}
	} else {
		st.ChainVerified = true
	}
	switch err := cs.PeerCertificates[0].VerifyHostname(serverName); {
	case serverName == "":
		st.NameError = "no server name to check"
	case err != nil:
		st.NameError = oneLine(err.Error())
	default:
		st.NameMatches = true
	}
	return st
}

// withinValidity is a time inside c's validity period.
func withinValidity(c *x509.Certificate) time.Time {
	return c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) / 2)
}

// verifyChain checks that chain[0] leads through chain[1:] to one of roots.
func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, now time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now})
	return err
}

// certInfo describes c as seen at time now.
func certInfo(c *x509.Certificate, now time.Time) CertInfo {
	sum := sha256.Sum256(c.Raw)
	return CertInfo{
		Subject:            c.Subject.String(),
		CommonName:         c.Subject.CommonName,
		SANs:               sans(c),
		Issuer:             c.Issuer.String(),
		Serial:             colonHex(c.SerialNumber.Bytes()),
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		DaysLeft:           daysLeft(c.NotAfter, now),
		IsCA:               c.IsCA,
		SelfSigned:         selfSigned(c),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		SHA256:             colonHex(sum[:]),
	}
}

// selfSigned reports whether c names itself as issuer and is signed by its
// own key.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// sans lists the subject alternative names of c: DNS names, IP addresses,
// e-mail addresses and URIs.
func sans(c *x509.Certificate) []string {
	out := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, c.EmailAddresses...)
	for _, u := range c.URIs {
		out = append(out, u.String())
	}
	return out
}

// daysLeft is the number of whole days from now until t (negative once past).
func daysLeft(t, now time.Time) int {
	return int(t.Sub(now).Hours() / 24) // whole days, toward zero both ways
}

// colonHex formats b as upper-case hex pairs joined by colons.
func colonHex(b []byte) string {
	if len(b) == 0 {
		return "00"
	}
	h := strings.ToUpper(hex.EncodeToString(b))
	parts := make([]string, 0, len(b))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// parseTLSVersion reads "1.2", "TLS1.2", "TLSv1.2" or "TLS 1.2".
func parseTLSVersion(s string) (uint16, error) {
	v := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	v = strings.TrimPrefix(strings.TrimPrefix(v, "tls"), "v")
	switch v {
	case "1.0", "1":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("min_version %q: expected 1.0, 1.1, 1.2 or 1.3", s)
}

// hostOf is the host part of a host:port target, or the target itself.
func hostOf(target string) string {
	if h, _, err := net.SplitHostPort(target); err == nil {
		return h
	}
	return target
}

// nowOr is t, or the current time when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}
