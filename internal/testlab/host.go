package testlab

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// HostOptions shape one host added with AddHost.
type HostOptions struct {
	// Name is the inventory and ssh_config name; "hN" when empty.
	Name string
	// KeyTypes are the host key types: "ed25519" (the default), "ecdsa", "rsa".
	KeyTypes []string
	// Unknown leaves the host out of the lab's known_hosts.
	Unknown bool
	// WrongKey lists a different key for the host in the lab's known_hosts,
	// as when a host was reinstalled or someone is in the middle.
	WrongKey bool
	// Password creates a Unix user with a random password for this host and
	// turns password authentication on. Needs root (ErrNotRoot otherwise).
	Password bool
	// OwnUser, as root, logs into the host as a Unix user of its own whose
	// home is Host.Dir (a clean login shell, as on a fresh machine); ignored
	// when not root.
	OwnUser bool
	// CertAuthority, when set, signs a host certificate for the host's first
	// key (principals: its address and name); the lab's known_hosts then
	// trusts the authority with an @cert-authority line instead of listing
	// the key.
	CertAuthority ssh.Signer
	// ExtraConfig are more sshd_config lines; they come first, so they win
	// over the lab's own settings.
	ExtraConfig []string
	// Hostname, when set, runs sshd in a UTS namespace of its own whose
	// host name (uname -n) is this, as on a machine whose own name does
	// not resolve. Needs root and unshare(1).
	Hostname string
	// PrivateEtcHostname, with Hostname, also gives sshd a mount namespace
	// of its own in which /etc/hostname is the file EtcHostname (holding
	// Hostname), so that a test may change the host's name, current and
	// permanent, without touching the machine's.
	PrivateEtcHostname bool
}

// Host is one running sshd.
type Host struct {
	Name     string          // inventory and ssh_config name
	Addr     string          // loopback IPv4 address, distinct per host of a lab
	Port     int             // TCP port
	User     string          // login user
	Password string          // login password, when HostOptions.Password
	Dir      string          // a scratch directory the user owns, for the test's files
	Root     string          // the host's own directory: sshd_config, keys, log
	HostKeys []ssh.PublicKey // the server's host keys, in HostKey order
	Cert     *ssh.Certificate

	opts  HostOptions
	lab   string // the lab directory
	level string // sshd's LogLevel
	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
}

// HostPort is "addr:port".
func (h *Host) HostPort() string { return net.JoinHostPort(h.Addr, strconv.Itoa(h.Port)) }

// KnownHostsName is the host as known_hosts names it: "[addr]:port".
func (h *Host) KnownHostsName() string { return "[" + h.Addr + "]:" + strconv.Itoa(h.Port) }

// KnownHostsLine is one known_hosts line for key under the host's name.
func (h *Host) KnownHostsLine(key ssh.PublicKey) string {
	return h.KnownHostsName() + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// ConfigPath is the host's sshd_config.
func (h *Host) ConfigPath() string { return filepath.Join(h.Root, "sshd_config") }

// Log returns what sshd logged so far.
func (h *Host) Log() string {
	b, _ := os.ReadFile(filepath.Join(h.Root, "sshd.log"))
	return string(b)
}

// Accepted counts the successful logins sshd logged (LogLevel VERBOSE or
// INFO): one per SSH connection.
func (h *Host) Accepted() int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(h.Log()))
	for sc.Scan() {
		if accepted.MatchString(sc.Text()) {
			n++
		}
	}
	return n
}

var accepted = regexp.MustCompile(`Accepted \S+ for `)

// AddHost starts one more sshd and rewrites known_hosts, ssh_config and the
// inventory to include it.
func (l *Lab) AddHost(opts HostOptions) (*Host, error) {
	if opts.Password && os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: password hosts create a user", ErrNotRoot)
	}
	l.mu.Lock()
	l.nextIP++
	idx := l.nextIP
	l.mu.Unlock()
	h := &Host{Name: opts.Name, User: l.User, opts: opts, lab: l.Dir,
		Addr: fmt.Sprintf("127.42.%d.%d", idx/250, 1+idx%250)}
	if h.Name == "" {
		h.Name = "h" + strconv.Itoa(idx)
	}
	h.Root = filepath.Join(l.Dir, "hosts", h.Name)
	h.Dir = filepath.Join(h.Root, "home")
	if err := os.MkdirAll(h.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := l.prepare(h); err != nil {
		return nil, err
	}
	if err := h.start(l.opts.LogLevel); err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.Hosts = append(l.Hosts, h)
	l.mu.Unlock()
	return h, l.writeClientFiles()
}

// prepare writes the host keys, the certificate and creates the password
// user.
func (l *Lab) prepare(h *Host) error {
	types := h.opts.KeyTypes
	if len(types) == 0 {
		types = []string{"ed25519"}
	}
	for _, typ := range types {
		pub, err := writeHostKey(filepath.Join(h.Root, "host_"+typ+"_key"), typ)
		if err != nil {
			return err
		}
		h.HostKeys = append(h.HostKeys, pub)
	}
	if h.opts.CertAuthority != nil {
		if err := h.signCert(types[0]); err != nil {
			return err
		}
	}
	if h.opts.Password || (h.opts.OwnUser && os.Geteuid() == 0) {
		return l.addUser(h, h.opts.Password)
	}
	return nil
}

// writeHostKey generates a host key of typ and writes it 0600, as sshd
// demands.
func writeHostKey(path, typ string) (ssh.PublicKey, error) {
	var priv any
	var err error
	switch typ {
	case "ed25519":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("testlab: unknown key type %q (ed25519, ecdsa, rsa)", typ)
	}
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "testlab-host")
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return signer.PublicKey(), os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644)
}

func (h *Host) signCert(typ string) error {
	cert := &ssh.Certificate{
		Key: h.HostKeys[0], CertType: ssh.HostCert, KeyId: h.Name,
		ValidPrincipals: []string{h.Addr, h.Name},
		ValidBefore:     ssh.CertTimeInfinity,
	}
	if err := cert.SignCert(rand.Reader, h.opts.CertAuthority); err != nil {
		return err
	}
	h.Cert = cert
	path := filepath.Join(h.Root, "host_"+typ+"_key-cert.pub")
	return os.WriteFile(path, ssh.MarshalAuthorizedKey(cert), 0o644)
}

// sshdConfig renders the host's sshd_config.
func (h *Host) sshdConfig(level string) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	// sshd keeps the first value of a keyword: the test's lines come first.
	for _, x := range h.opts.ExtraConfig {
		line("%s", x)
	}
	line("ListenAddress %s", h.HostPort())
	for _, typ := range keyTypes(h.opts) {
		line("HostKey %s", filepath.Join(h.Root, "host_"+typ+"_key"))
	}
	if h.Cert != nil {
		line("HostCertificate %s", filepath.Join(h.Root, "host_"+keyTypes(h.opts)[0]+"_key-cert.pub"))
	}
	line("PidFile %s", filepath.Join(h.Root, "sshd.pid"))
	line("AuthorizedKeysFile %s", filepath.Join(h.lab, "authorized_keys"))
	line("StrictModes no")
	line("UsePAM no")
	line("PubkeyAuthentication yes")
	yes := map[bool]string{true: "yes", false: "no"}[h.opts.Password]
	line("PasswordAuthentication %s", yes)
	line("KbdInteractiveAuthentication no")
	line("PermitRootLogin prohibit-password")
	line("AllowTcpForwarding yes")
	line("Subsystem sftp internal-sftp")
	line("MaxSessions 1000")
	line("MaxStartups 1000")
	line("MaxAuthTries 20")
	line("UseDNS no")
	line("PrintMotd no")
	line("PrintLastLog no")
	line("LogLevel %s", level)
	return b.String()
}

func keyTypes(o HostOptions) []string {
	if len(o.KeyTypes) == 0 {
		return []string{"ed25519"}
	}
	return o.KeyTypes
}

// start runs sshd on a free port, retrying when another process took the
// port between the probe and sshd's bind.
func (h *Host) start(level string) error {
	h.level = level
	if os.Geteuid() == 0 {
		// sshd running as root needs its privilege separation directory.
		_ = os.MkdirAll("/run/sshd", 0o755)
	}
	var err error
	for try := 0; try < 5; try++ {
		if h.Port, err = freePort(h.Addr); err != nil {
			return err
		}
		if err = h.launch(level); err == nil {
			return nil
		}
	}
	return err
}

// freePort asks the kernel for a port that is free on addr now.
func freePort(addr string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// EtcHostname is the file a PrivateEtcHostname host sees as /etc/hostname.
func (h *Host) EtcHostname() string { return filepath.Join(h.Root, "etc-hostname") }

// launch starts sshd in the foreground and waits until it greets.
func (h *Host) launch(level string) error {
	cfg := h.sshdConfig(level)
	if err := os.WriteFile(h.ConfigPath(), []byte(cfg), 0o644); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(h.Root, "sshd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(SSHD, "-D", "-e", "-f", h.ConfigPath())
	if h.opts.Hostname != "" {
		cmd = exec.Command("unshare", "--uts", "/bin/sh", "-c", `hostname "$1" && shift && exec "$@"`, "sh",
			h.opts.Hostname, SSHD, "-D", "-e", "-f", h.ConfigPath())
	}
	if h.opts.Hostname != "" && h.opts.PrivateEtcHostname {
		if err := os.WriteFile(h.EtcHostname(), []byte(h.opts.Hostname+"\n"), 0o644); err != nil {
			return err
		}
		cmd = exec.Command("unshare", "--uts", "--mount", "--propagation", "private", "/bin/sh", "-c",
			`hostname "$1" && mount --bind "$2" /etc/hostname && shift 2 && exec "$@"`, "sh",
			h.opts.Hostname, h.EtcHostname(), SSHD, "-D", "-e", "-f", h.ConfigPath())
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	h.mu.Lock()
	h.cmd, h.done = cmd, done
	h.mu.Unlock()
	if err := waitBanner(h.HostPort(), done); err != nil {
		h.stop()
		return fmt.Errorf("testlab: sshd for %s: %w\n%s", h.Name, err, h.Log())
	}
	return nil
}

// waitBanner polls addr until it sends an SSH banner or sshd exits.
func waitBanner(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before accepting connections")
		default:
		}
		if banner(addr) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("no SSH banner within 15s")
}

func banner(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-")
}

// Stop kills the host's sshd and every process it started (sessions, the
// commands they run). Its address then refuses connections.
func (h *Host) Stop() { h.stop() }

func (h *Host) stop() {
	h.mu.Lock()
	cmd, done := h.cmd, h.done
	h.cmd = nil
	h.mu.Unlock()
	if cmd == nil {
		return
	}
	signalTree(cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// Restart starts a stopped host's sshd again, on the same address and port
// with the same host keys: a machine back from a reboot.
func (h *Host) Restart() error { return h.launch(h.level) }

// DropConnections kills every session of the host's sshd (the process
// serving each connection and what it runs), as a network fault or an
// out-of-memory kill would end them; sshd goes on accepting new ones.
func (h *Host) DropConnections() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd == nil {
		return
	}
	pids := tree(h.cmd.Process.Pid)[1:]
	for _, p := range pids {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	waitGone(pids)
}

// Freeze stops (SIGSTOP) the host's sshd and all its sessions, so that
// connections stay open but nothing answers: a dead peer.
func (h *Host) Freeze() { h.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen host.
func (h *Host) Thaw() { h.signal(syscall.SIGCONT) }

func (h *Host) signal(sig syscall.Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cmd != nil {
		signalTree(h.cmd.Process.Pid, sig)
	}
}
