package ssh

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// HostKeyProblem is why a host key was refused.
type HostKeyProblem int

// Reasons a host key is refused.
const (
	KeyUnknown  HostKeyProblem = iota + 1 // no key known for the host (strict checking)
	KeyChanged                            // known_hosts lists another key of that type
	KeyRevoked                            // the key is marked @revoked
	CertInvalid                           // a certificate from a trusted authority does not hold
)

// Location is a line of a known_hosts file.
type Location struct {
	File string
	Line int
}

func (l Location) String() string { return fmt.Sprintf("%s:%d", l.File, l.Line) }

// HostKeyError is a host key that failed verification.
type HostKeyError struct {
	Host      string // the host's known_hosts name
	Problem   HostKeyProblem
	Key       ssh.PublicKey // what the host presented
	Offending []Location    // the lines that contradict it
	Files     []string      // the known_hosts files consulted
	Reason    string        // detail for CertInvalid
}

// Fingerprint is the presented key's SHA256 fingerprint.
func (e *HostKeyError) Fingerprint() string { return ssh.FingerprintSHA256(e.Key) }

func (e *HostKeyError) Error() string {
	switch e.Problem {
	case KeyChanged:
		return e.changed()
	case KeyRevoked:
		return fmt.Sprintf("host key for %s (%s %s) is marked as revoked at %s; host key verification failed",
			e.Host, keyKind(e.Key), e.Fingerprint(), e.Offending[0])
	case CertInvalid:
		return fmt.Sprintf("host certificate for %s is not valid: %s; host key verification failed", e.Host, e.Reason)
	}
	return fmt.Sprintf("host key verification failed: %s is not in known_hosts (%s). "+
		"The %s key fingerprint is %s. Check it, then add the key with "+
		"`ssh-keyscan %s >> %s`, or set StrictHostKeyChecking=accept-new",
		e.Host, strings.Join(existing(e.Files), ", "), keyKind(e.Key), e.Fingerprint(), keyscanArgs(e.Host), firstOr(e.Files, "~/.ssh/known_hosts"))
}

// changed renders OpenSSH's warning for a changed host key, refused.
func (e *HostKeyError) changed() string {
	var b strings.Builder
	e.changedBanner(&b)
	fmt.Fprintf(&b, "Host key for %s has changed and drover refuses changed keys.\nHost key verification failed.", e.Host)
	return b.String()
}

// acceptedChanged renders OpenSSH's warning for a changed host key
// accepted under StrictHostKeyChecking=no.
func (e *HostKeyError) acceptedChanged() string {
	var b strings.Builder
	e.changedBanner(&b)
	fmt.Fprintf(&b, "Host key checking is off (--host-key-checking off, StrictHostKeyChecking=no): connecting to %s anyway.\n", e.Host)
	b.WriteString("Password authentication is disabled to avoid man-in-the-middle attacks.\n")
	b.WriteString("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.")
	return b.String()
}

// changedBanner writes OpenSSH's banner for a changed host key.
func (e *HostKeyError) changedBanner(b *strings.Builder) {
	b.WriteString("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n")
	b.WriteString("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n")
	b.WriteString("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n")
	b.WriteString("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n")
	b.WriteString("Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n")
	b.WriteString("It is also possible that a host key has just been changed.\n")
	fmt.Fprintf(b, "The fingerprint for the %s key sent by the remote host is\n%s.\n", keyKind(e.Key), e.Fingerprint())
	b.WriteString("Please contact your system administrator.\n")
	fmt.Fprintf(b, "Add correct host key in %s to get rid of this message.\n", e.Offending[0].File)
	for _, l := range e.Offending {
		fmt.Fprintf(b, "Offending %s key in %s\n", keyKind(e.Key), l)
	}
}

// keyKind names a key type as OpenSSH's messages do: ED25519, ECDSA, RSA.
func keyKind(k ssh.PublicKey) string {
	t := k.Type()
	cert := strings.Contains(t, "-cert-")
	switch {
	case strings.Contains(t, "ed25519"):
		t = "ED25519"
	case strings.Contains(t, "ecdsa"):
		t = "ECDSA"
	case strings.Contains(t, "rsa"):
		t = "RSA"
	default:
		t = strings.ToUpper(t)
	}
	if cert {
		t += "-CERT"
	}
	return t
}

// keyscanArgs turns "[host]:port" into "-p port host".
func keyscanArgs(name string) string {
	if strings.HasPrefix(name, "[") {
		if i := strings.Index(name, "]:"); i > 0 {
			return "-p " + name[i+2:] + " " + name[1:i]
		}
	}
	return name
}

func existing(files []string) []string {
	if len(files) == 0 {
		return []string{"no files"}
	}
	return files
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
