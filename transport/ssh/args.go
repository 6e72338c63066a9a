package ssh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/drover/drover/internal/shlex"
)

// Args are the settings an ssh command line carries, as Ansible's
// ansible_ssh_common_args and ansible_ssh_extra_args write them.
type Args struct {
	// Options are Keyword=value pairs in command-line order; flags are
	// turned into their keywords (-p Port, -l User, -i IdentityFile,
	// -J ProxyJump). A ProxyCommand value is the command line as written.
	Options [][2]string
	// ConfigFile is the -F file.
	ConfigFile string
}

// flagKeyword maps ssh flags that take an argument to the keyword they set.
var flagKeyword = map[byte]string{'p': "Port", 'l': "User", 'i': "IdentityFile", 'J': "ProxyJump"}

// noopFlags change nothing drover does: address family, compression,
// verbosity, tty and X11 off, stdin from /dev/null.
const noopFlags = "46CqvTtxnak"

// ParseArgs reads an ssh argument string as ssh would: shell quoting, then
// -o Keyword=value (or "-o Keyword value", -oKeyword=value), -J, -p, -i, -l
// and -F. A flag or keyword drover cannot honour is an error naming it.
func ParseArgs(s string) (Args, error) {
	words, err := splitWords(s)
	if err != nil {
		return Args{}, err
	}
	var a Args
	for i := 0; i < len(words); i++ {
		w := words[i]
		if len(w) < 2 || w[0] != '-' {
			return a, fmt.Errorf("ssh arguments: unexpected %q (only options are allowed here)", w)
		}
		next, err := a.flagGroup(w, words[i+1:])
		if err != nil {
			return a, err
		}
		i += next
	}
	return a, nil
}

// flagGroup reads one word of flags ("-Cq", "-p22", "-o" with its value in
// rest) and says how many words of rest it used.
func (a *Args) flagGroup(w string, rest []string) (int, error) {
	for j := 1; j < len(w); j++ {
		f := w[j]
		if strings.IndexByte(noopFlags, f) >= 0 {
			continue
		}
		_, known := flagKeyword[f]
		if !known && f != 'o' && f != 'F' {
			return 0, fmt.Errorf("ssh arguments: flag -%c is not supported by drover", f)
		}
		arg, used := w[j+1:], 0
		if arg == "" {
			if len(rest) == 0 {
				return 0, fmt.Errorf("ssh arguments: flag -%c needs a value", f)
			}
			arg, used = rest[0], 1
		}
		return used, a.flag(f, arg)
	}
	return 0, nil
}

func (a *Args) flag(f byte, arg string) error {
	switch f {
	case 'F':
		a.ConfigFile = arg
		return nil
	case 'o':
		k, v, err := splitOption(arg)
		if err != nil {
			return err
		}
		return a.add(k, v)
	}
	return a.add(flagKeyword[f], arg)
}

// splitOption reads "Keyword=value" or "Keyword value".
func splitOption(s string) (string, string, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "= \t")
	if i <= 0 {
		return "", "", fmt.Errorf("ssh arguments: -o %q: want Keyword=value", s)
	}
	k, v := s[:i], strings.TrimSpace(s[i:])
	v = strings.TrimSpace(strings.TrimPrefix(v, "="))
	if strings.EqualFold(k, "ProxyCommand") {
		return k, v, nil // a command line, quotes and all, as OpenSSH takes it
	}
	return k, unquote(v), nil
}

// add records one keyword after checking drover knows it.
func (a *Args) add(keyword, value string) error {
	canon, ok := canonicalKeyword(keyword)
	if !ok {
		return fmt.Errorf("ssh arguments: option %s is not supported by drover", keyword)
	}
	if canon == "ForwardAgent" && !strings.EqualFold(value, "no") {
		return fmt.Errorf("ssh arguments: ForwardAgent=%s is not supported by drover", value)
	}
	if _, ignored := ignoredKeywords[strings.ToLower(canon)]; ignored {
		return nil
	}
	a.Options = append(a.Options, [2]string{canon, value})
	return nil
}

// ignoredKeywords are OpenSSH options that tune OpenSSH's own process
// (connection sharing, logging, algorithms, prompts) and have no bearing
// on what drover does with its single connection per host.
var ignoredKeywords = keywordSet("ControlMaster", "ControlPersist", "ControlPath", "Compression",
	"LogLevel", "BatchMode", "TCPKeepAlive", "AddKeysToAgent", "PreferredAuthentications",
	"GSSAPIAuthentication", "GSSAPIDelegateCredentials", "KbdInteractiveAuthentication",
	"ChallengeResponseAuthentication", "CheckHostIP", "VisualHostKey", "UpdateHostKeys",
	"SendEnv", "RequestTTY", "ConnectionAttempts", "NumberOfPasswordPrompts", "Ciphers", "MACs",
	"KexAlgorithms", "HostKeyAlgorithms", "PubkeyAcceptedKeyTypes", "PubkeyAcceptedAlgorithms",
	"PasswordAuthentication", "PubkeyAuthentication", "ForwardX11", "ForwardAgent",
	"EscapeChar", "AddressFamily", "UseRoaming")

// honouredKeywords are the options Apply sets on a Config.
var honouredKeywords = keywordSet("HostName", "Port", "User", "IdentityFile", "IdentitiesOnly",
	"ProxyJump", "ProxyCommand", "ConnectTimeout", "UserKnownHostsFile", "GlobalKnownHostsFile",
	"StrictHostKeyChecking", "HostKeyAlias", "HashKnownHosts", "ServerAliveInterval", "ServerAliveCountMax",
	"IdentityAgent")

func keywordSet(names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}

// canonicalKeyword spells keyword as OpenSSH documents it.
func canonicalKeyword(keyword string) (string, bool) {
	k := strings.ToLower(keyword)
	if c, ok := honouredKeywords[k]; ok {
		return c, true
	}
	c, ok := ignoredKeywords[k]
	return c, ok
}

// Apply sets the fields of cfg that are still unset from a, the first
// value of each keyword winning as on ssh's command line; IdentityFile
// entries are added. Settings already in cfg (inventory variables, drover
// flags) stay.
func (a Args) Apply(cfg *Config) error {
	if cfg.ConfigFile == "" && a.ConfigFile != "" {
		cfg.ConfigFile = a.ConfigFile
	}
	for _, o := range a.Options {
		if err := applyOption(cfg, o[0], o[1]); err != nil {
			return fmt.Errorf("ssh arguments: %w", err)
		}
	}
	return nil
}

func applyOption(cfg *Config, keyword, value string) error {
	if keyword == "IdentityFile" {
		cfg.IdentityFiles = append(cfg.IdentityFiles, value)
		return nil
	}
	if isSet(cfg, keyword) {
		return nil
	}
	return setKeyword(cfg, keyword, value)
}

// splitWords splits s into words as Ansible splits ssh arguments (Python's
// shlex.split), an error naming s.
func splitWords(s string) ([]string, error) {
	words, err := shlex.Python(s, false)
	switch {
	case errors.Is(err, shlex.ErrNoClosingQuotation):
		return nil, fmt.Errorf("unterminated quote in %q", s)
	case err != nil:
		return nil, fmt.Errorf("%w in %q", err, s)
	}
	return words, nil
}
