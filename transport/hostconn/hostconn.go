// Package hostconn opens the connection an inventory host asks for: local for
// ansible_connection=local, telnet for ansible_connection=telnet, otherwise
// ssh through one shared pool, so that a run keeps exactly one connection per
// host.
package hostconn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/transport"
	"github.com/drover/drover/transport/local"
	"github.com/drover/drover/transport/ssh"
)

// Options are the connection settings given on drover's command line. The
// host's inventory variables win over User and PrivateKey, as in Ansible.
type Options struct {
	User            string
	PrivateKey      string
	Password        string
	Timeout         time.Duration
	HostKeyChecking string // strict, accept-new, off; "" leaves it to ssh_config
	// Warn, when set, is given warnings about connections (a changed host
	// key accepted because checking is off).
	Warn func(msg string)
	// Port is the port of hosts whose inventory gives none (remote_port);
	// 0 leaves it to ssh_config.
	Port int
	// SSHCommonArgs and SSHExtraArgs stand for ansible_ssh_common_args and
	// ansible_ssh_extra_args where a host does not set them
	// (ssh_common_args, ssh_extra_args).
	SSHCommonArgs, SSHExtraArgs string
}

// Opener opens and caches connections for one run.
type Opener struct {
	opts   Options
	policy ssh.HostKeyPolicy
	pool   *ssh.Pool
	local  *local.Conn
	telnet telnetPool
}

// New returns an Opener, or an error when opts are invalid.
func New(opts Options) (*Opener, error) {
	policy, err := hostKeyPolicy(opts.HostKeyChecking)
	if err != nil {
		return nil, err
	}
	o := &Opener{opts: opts, policy: policy, pool: ssh.NewPool(), local: local.New()}
	o.pool.Defaults.Warn = opts.Warn
	return o, nil
}

func hostKeyPolicy(s string) (ssh.HostKeyPolicy, error) {
	if s == "" {
		return ssh.PolicyUnset, nil
	}
	p, err := ssh.ParsePolicy(s)
	if err != nil {
		return 0, fmt.Errorf("--host-key-checking: %w (want strict, accept-new or off)", err)
	}
	return p, nil
}

// Open returns the connection to the host called name with inventory
// variables vars. Connection failures are *transport.UnreachableError.
func (o *Opener) Open(ctx context.Context, name string, vars map[string]any) (transport.Conn, error) {
	kind := connectionKind(vars)
	switch kinds[kind] {
	case "local":
		return o.local, nil
	case "ssh":
		return o.openSSH(ctx, name, vars)
	case "telnet":
		return o.telnet.get(ctx, name, vars)
	default:
		return nil, unknownKind(name, kind)
	}
}

// ansibleKinds are the connection plugins of ansible-core that drover does
// not have.
var ansibleKinds = map[string]bool{"winrm": true, "psrp": true}

// unknownKind is the error of a connection drover does not open: a task
// failure, as in Ansible, not an unreachable host. A name that is no
// plugin of Ansible's either gets Ansible's words.
func unknownKind(name, kind string) error {
	if path := pythonPlugin(kind); path != "" {
		return &transport.UnreachableError{Host: name, Err: fmt.Errorf("the connection plugin '%s' is Python (%s), which drover cannot run", kind, path)}
	}
	if ansibleKinds[strings.TrimPrefix(kind, "ansible.builtin.")] || strings.Contains(kind, ".") {
		return &transport.UnknownConnectionError{Msg: fmt.Sprintf("ansible_connection %q is not supported by drover (ssh, local, telnet)", kind)}
	}
	return &transport.UnknownConnectionError{Msg: fmt.Sprintf("the connection plugin '%s' was not found", kind)}
}

// kinds maps each connection name drover knows to the connection it opens.
var kinds = map[string]string{"local": "local", "ssh": "ssh", "smart": "ssh", "paramiko": "ssh", "telnet": "telnet"}

// Supported reports whether drover opens connections of this kind (a value
// of ansible_connection or of -c).
func Supported(kind string) bool { return kinds[kind] != "" }

func connectionKind(vars map[string]any) string {
	if c := str(vars, "ansible_connection"); c != "" {
		return c
	}
	return "ssh"
}

func (o *Opener) openSSH(ctx context.Context, name string, vars map[string]any) (transport.Conn, error) {
	cfg, err := o.sshConfig(name, vars)
	if err != nil {
		return nil, &transport.UnreachableError{Host: name, Err: err}
	}
	conn, err := o.pool.Get(ctx, cfg)
	if err != nil {
		if transport.IsUnreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		return nil, &transport.UnreachableError{Host: name, Err: err}
	}
	return conn, nil
}

// sshConfig builds the ssh settings for a host: inventory variables first,
// then drover's flags, then ansible_ssh_common_args and
// ansible_ssh_extra_args (else Options.SSHCommonArgs, SSHExtraArgs) for
// what is still unset, then ssh_config.
func (o *Opener) sshConfig(name string, vars map[string]any) (ssh.Config, error) {
	cfg := ssh.Config{
		Host:           first(str(vars, "ansible_host"), str(vars, "ansible_ssh_host"), name),
		User:           first(str(vars, "ansible_user"), str(vars, "ansible_ssh_user"), o.opts.User),
		Password:       first(str(vars, "ansible_password"), str(vars, "ansible_ssh_pass"), o.opts.Password),
		ConnectTimeout: o.opts.Timeout,
		HostKeyPolicy:  o.policy,
	}
	port, err := portOf(vars)
	if err != nil {
		return cfg, err
	}
	if port == 0 {
		port = o.opts.Port
	}
	cfg.Port = port
	if key := first(str(vars, "ansible_ssh_private_key_file"), str(vars, "ansible_private_key_file"), o.opts.PrivateKey); key != "" {
		cfg.IdentityFiles = []string{key}
	}
	for i, v := range []string{"ansible_ssh_common_args", "ansible_ssh_extra_args"} {
		args := str(vars, v)
		if _, ok := vars[v]; !ok {
			args = []string{o.opts.SSHCommonArgs, o.opts.SSHExtraArgs}[i]
		}
		if err := applyArgs(&cfg, v, args); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

func applyArgs(cfg *ssh.Config, name, s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	args, err := ssh.ParseArgs(s)
	if err == nil {
		err = args.Apply(cfg)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func portOf(vars map[string]any) (int, error) {
	for _, k := range []string{"ansible_port", "ansible_ssh_port"} {
		switch v := vars[k].(type) {
		case nil:
			continue
		case int:
			return v, nil
		default:
			p, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(v)))
			if err != nil || p < 1 || p > 65535 {
				return 0, fmt.Errorf("%s: %q is not a port number", k, fmt.Sprint(v))
			}
			return p, nil
		}
	}
	return 0, nil
}

func str(vars map[string]any, key string) string {
	v, ok := vars[key]
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// Close closes every connection opened.
func (o *Opener) Close() error {
	o.telnet.close()
	return o.pool.Close()
}

// pythonPlugin is the file of the user's Python connection plugin named
// kind, found where Ansible looks by default (ANSIBLE_CONNECTION_PLUGINS,
// else ~/.ansible/plugins/connection and /usr/share/ansible/plugins/connection);
// "" when there is none.
func pythonPlugin(kind string) string {
	dirs := os.Getenv("ANSIBLE_CONNECTION_PLUGINS")
	if dirs == "" {
		home, _ := os.UserHomeDir()
		dirs = filepath.Join(home, ".ansible/plugins/connection") + ":/usr/share/ansible/plugins/connection"
	}
	for _, d := range filepath.SplitList(dirs) {
		p := filepath.Join(d, kind+".py")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
