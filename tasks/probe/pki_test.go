package probe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testNow is the time certificates of the tests are made and judged at, so
// that days left are exact.
var testNow = time.Now().Truncate(time.Second)

// day is one day.
const day = 24 * time.Hour

// authority is a certificate and key that can sign others.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// testPKI is a root CA with one intermediate, made in the test.
type testPKI struct {
	root, inter authority
	roots       *x509.CertPool
}

// newPKI makes a root CA and an intermediate signed by it.
func newPKI(t testing.TB) *testPKI {
	t.Helper()
	root := makeCA(t, "Test Root CA", nil, time.Time{})
	p := &testPKI{root: root, inter: makeCA(t, "Test Intermediate CA", &root, time.Time{})}
	p.roots = x509.NewCertPool()
	p.roots.AddCert(root.cert)
	return p
}

// makeCA makes a CA certificate signed by parent, or self-signed when nil,
// valid until until (ten years on when zero).
func makeCA(t testing.TB, cn string, parent *authority, until time.Time) authority {
	t.Helper()
	key := newKey(t)
	if until.IsZero() {
		until = testNow.Add(3650 * day)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Drover Tests"}},
		NotBefore:             testNow.Add(-365 * day),
		NotAfter:              until,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	signer := authority{cert: tmpl, key: key}
	if parent != nil {
		signer = *parent
	}
	return authority{cert: sign(t, tmpl, signer, &key.PublicKey), key: key}
}

// leafSpec describes a server certificate to make.
type leafSpec struct {
	names       []string  // DNS names or IP addresses
	from, until time.Time // validity; a year around testNow when zero
	selfSigned  bool
	dropInter   bool       // present the leaf without its intermediate
	extraInters int        // sign through this many more intermediates
	issuer      *authority // sign with this CA, presented as the chain
	ocspStaple  []byte
}

// leaf makes a server certificate under p as spec says, with the chain the
// server presents.
func (p *testPKI) leaf(t testing.TB, spec leafSpec) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: spec.names[0], Organization: []string{"Drover Tests"}},
		NotBefore:    spec.from,
		NotAfter:     spec.until,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = testNow.Add(-30 * day)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = testNow.Add(335 * day)
	}
	for _, n := range spec.names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	issuer, chain := p.inter, [][]byte{p.inter.cert.Raw}
	for i := range spec.extraInters {
		next := makeCA(t, "Test Intermediate CA "+string(rune('B'+i)), &issuer, time.Time{})
		issuer, chain = next, append([][]byte{next.cert.Raw}, chain...)
	}
	switch {
	case spec.issuer != nil:
		issuer, chain = *spec.issuer, [][]byte{spec.issuer.cert.Raw}
	case spec.selfSigned:
		issuer, chain = authority{cert: tmpl, key: key}, nil
	case spec.dropInter:
		chain = nil
	}
	c := sign(t, tmpl, issuer, &key.PublicKey)
	return tls.Certificate{Certificate: append([][]byte{c.Raw}, chain...), PrivateKey: key, Leaf: c, OCSPStaple: spec.ocspStaple}
}

// sign issues tmpl for pub, signed by issuer.
func sign(t testing.TB, tmpl *x509.Certificate, issuer authority, pub any) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.cert, pub, issuer.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	return n
}

// writePEM writes certificates (and a key when given) to a file in dir.
func writePEM(t testing.TB, dir, name string, certs [][]byte, key *ecdsa.PrivateKey) string {
	t.Helper()
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c})...)
	}
	if key != nil {
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveTLS runs a TLS server on 127.0.0.1:0 presenting cert; each
// connection completes its handshake and is then drained until the client
// closes it. It returns the listening address.
func serveTLS(t testing.TB, cert tls.Certificate, cfg *tls.Config) string {
	t.Helper()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.Certificates = []tls.Certificate{cert}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptLoop(ln, func(c net.Conn) {
		if err := c.(*tls.Conn).Handshake(); err == nil {
			_, _ = io.Copy(io.Discard, c)
		}
	})
	return ln.Addr().String()
}

// acceptLoop serves each connection of ln with handle until ln is closed.
func acceptLoop(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}

// closedPort is a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
