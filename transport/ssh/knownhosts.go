package ssh

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Markers a known_hosts line may start with, without their "@".
const (
	markerCA      = "cert-authority"
	markerRevoked = "revoked"
)

// khEntry is one line of a known_hosts file.
type khEntry struct {
	file   string
	line   int
	marker string
	hosts  []string // patterns, possibly negated or hashed
	key    ssh.PublicKey
}

// knownHosts is the content of a set of known_hosts files.
type knownHosts struct {
	files   []string
	entries []khEntry

	// byName lists, by lower-case host name, the entries whose patterns
	// are all plain names; general lists the others (wildcards, negations,
	// hashed names, @revoked). Built on the first forHost.
	indexOnce sync.Once
	byName    map[string][]int
	general   []int
}

// forHost is the part of db that concerns the host known as name: the
// entries whose patterns match it and every @revoked entry, in file
// order. A Pool's hosts share one db; each host's checks then go through
// its few entries, not the whole file once per check.
func (db *knownHosts) forHost(name string) *knownHosts {
	db.indexOnce.Do(db.index)
	cand := append(slices.Clone(db.byName[strings.ToLower(name)]), db.general...)
	slices.Sort(cand)
	cand = slices.Compact(cand)
	out := &knownHosts{files: db.files}
	for _, i := range cand {
		e := db.entries[i]
		if e.marker == markerRevoked || matchHosts(e.hosts, name) {
			out.entries = append(out.entries, e)
		}
	}
	return out
}

func (db *knownHosts) index() {
	db.byName = map[string][]int{}
	for i, e := range db.entries {
		if e.marker == markerRevoked || !plainPatterns(e.hosts) {
			db.general = append(db.general, i)
			continue
		}
		for _, p := range e.hosts {
			k := strings.ToLower(p)
			if l := db.byName[k]; len(l) == 0 || l[len(l)-1] != i {
				db.byName[k] = append(l, i)
			}
		}
	}
}

// plainPatterns reports whether every pattern is a plain host name: not
// negated, hashed or with wildcards.
func plainPatterns(patterns []string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") || strings.HasPrefix(p, "|") || strings.ContainsAny(p, "*?") {
			return false
		}
	}
	return true
}

// loadKnownHosts reads files in order; missing files are skipped and lines
// that do not parse are ignored, as OpenSSH does.
func loadKnownHosts(files []string) (*knownHosts, error) {
	db := &knownHosts{files: files}
	for _, f := range files {
		entries, err := readKnownHostsFile(f)
		if err != nil {
			return nil, err
		}
		db.entries = append(db.entries, entries...)
	}
	return db, nil
}

// readKnownHostsFile parses one known_hosts file; a missing one has no
// entries.
func readKnownHostsFile(f string) ([]khEntry, error) {
	data, err := os.ReadFile(f)
	if errors.Is(err, fs.ErrNotExist) || f == "/dev/null" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	return parseKnownHosts(f, data), nil
}

func parseKnownHosts(file string, data []byte) []khEntry {
	var out []khEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		marker, hosts, key, _, _, err := ssh.ParseKnownHosts(line)
		if err != nil {
			continue
		}
		out = append(out, khEntry{file: file, line: n, marker: marker, hosts: hosts, key: key})
	}
	return out
}

// matching returns the entries with marker whose host patterns match name.
func (db *knownHosts) matching(name, marker string) []khEntry {
	var out []khEntry
	for _, e := range db.entries {
		if e.marker == marker && matchHosts(e.hosts, name) {
			out = append(out, e)
		}
	}
	return out
}

// MatchHostPatterns reports whether the host patterns of a known_hosts
// line (plain, wildcard, negated or hashed names) select the host known as
// name, as OpenSSH matches them.
func MatchHostPatterns(patterns []string, name string) bool { return matchHosts(patterns, name) }

// matchHosts applies a known_hosts host list to name: some pattern must
// match and no negated one may.
func matchHosts(patterns []string, name string) bool {
	name = strings.ToLower(name)
	matched := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		var ok bool
		if strings.HasPrefix(p, "|1|") {
			ok = hashedMatch(p, name)
		} else {
			ok = wildcard(strings.ToLower(p), name)
		}
		if ok && neg {
			return false
		}
		matched = matched || ok
	}
	return matched
}

// hashedMatch checks name against a hashed entry "|1|salt|hash".
func hashedMatch(entry, name string) bool {
	parts := strings.Split(entry, "|")
	if len(parts) != 4 {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	want, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(name))
	return hmac.Equal(m.Sum(nil), want)
}

// wildcard matches s against a pattern with * and ? only (brackets are
// literal, as in "[host]:port").
func wildcard(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcard(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}

// hostKeyAlgorithms lists the host key algorithms to offer for name:
// those known_hosts can verify first (certificates when an authority is
// trusted, then the known key types), then the rest, as OpenSSH orders
// them. Without any known key it is nil (the library's defaults).
func (db *knownHosts) hostKeyAlgorithms(name string) []string {
	var first []string
	if len(db.matching(name, markerCA)) > 0 {
		first = append(first, certAlgorithms...)
	}
	for _, e := range db.matching(name, "") {
		first = append(first, algorithmsFor(e.key.Type())...)
	}
	if len(first) == 0 {
		return nil
	}
	return dedupe(append(first, defaultHostKeyAlgorithms...))
}

var certAlgorithms = []string{
	ssh.CertAlgoED25519v01, ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
}

// defaultHostKeyAlgorithms is OpenSSH's order of plain key algorithms.
var defaultHostKeyAlgorithms = []string{
	ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
}

// algorithmsFor gives the signature algorithms that prove a key of type t.
func algorithmsFor(t string) []string {
	if t == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{t}
}

// verify checks key, presented by the host known as name, against the
// database. principal is the host name a certificate must be issued for.
func (db *knownHosts) verify(name, principal string, key ssh.PublicKey) error {
	if e, ok := db.revoked(name, key); ok {
		return &HostKeyError{Host: name, Problem: KeyRevoked, Key: key, Offending: []Location{{e.file, e.line}}}
	}
	if cert, ok := key.(*ssh.Certificate); ok {
		if err, decided := db.verifyCert(name, principal, cert); decided {
			return err
		}
		key = cert.Key
	}
	var offending []Location
	for _, e := range db.matching(name, "") {
		if keysEqual(e.key, key) {
			return nil
		}
		if e.key.Type() == key.Type() {
			offending = append(offending, Location{e.file, e.line})
		}
	}
	if len(offending) > 0 {
		return &HostKeyError{Host: name, Problem: KeyChanged, Key: key, Offending: offending, Files: db.files}
	}
	return &HostKeyError{Host: name, Problem: KeyUnknown, Key: key, Files: db.files}
}

// revoked finds an @revoked line for key (or the authority that signed it).
func (db *knownHosts) revoked(name string, key ssh.PublicKey) (khEntry, bool) {
	keys := []ssh.PublicKey{key}
	if cert, ok := key.(*ssh.Certificate); ok {
		keys = append(keys, cert.Key, cert.SignatureKey)
	}
	for _, e := range db.entries {
		if e.marker != markerRevoked {
			continue
		}
		for _, k := range keys {
			if keysEqual(e.key, k) {
				return e, true
			}
		}
	}
	return khEntry{}, false
}

// verifyCert accepts a host certificate signed by an authority trusted for
// name. decided is false when no authority is trusted for the host, so the
// certified key is checked as a plain key instead.
func (db *knownHosts) verifyCert(name, principal string, cert *ssh.Certificate) (err error, decided bool) {
	cas := db.matching(name, markerCA)
	trusted := false
	for _, e := range cas {
		trusted = trusted || keysEqual(e.key, cert.SignatureKey)
	}
	if !trusted {
		return nil, false
	}
	if cert.CertType != ssh.HostCert {
		return &HostKeyError{Host: name, Problem: CertInvalid, Key: cert, Reason: "not a host certificate"}, true
	}
	checker := ssh.CertChecker{}
	if err := checker.CheckCert(principal, cert); err != nil {
		return &HostKeyError{Host: name, Problem: CertInvalid, Key: cert, Reason: err.Error()}, true
	}
	return nil, true
}

func keysEqual(a, b ssh.PublicKey) bool {
	return a.Type() == b.Type() && bytes.Equal(a.Marshal(), b.Marshal())
}
