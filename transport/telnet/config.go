package telnet

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/internal/suggest"
)

// Defaults for Config.
const (
	DefaultPort           = 23
	DefaultLoginPrompt    = `(?i)(user ?name|login):`
	DefaultPasswordPrompt = `(?i)password:`
	// DefaultPrompt is the end of a shell or device prompt: $, #, % or >,
	// maybe a space, at the end of the output (escape sequences removed).
	DefaultPrompt = `[$#%>] ?$`
	// DefaultLoginFailed matches what login programs and devices print when
	// the user name or password is wrong.
	DefaultLoginFailed   = `(?i)(login incorrect|incorrect (password|login)|authentication fail|access denied|login failed|invalid (login|password|user ?name)|(bad|wrong) password)`
	DefaultEnableCommand = "enable"
	// DefaultEnableFailed matches what a refused privilege step prints.
	DefaultEnableFailed = `(?i)(denied|incorrect|failure|failed|invalid|bad secret|bad password|sorry)`
	DefaultTerm         = "XTERM"
	DefaultCols         = 80
	DefaultRows         = 24
)

// Config is how to reach and log in to one telnet host. Zero fields take the
// defaults above; ConfigFromVars fills it from inventory variables.
type Config struct {
	Name     string // inventory name, for messages
	Host     string // address to connect to
	Port     int
	User     string // empty: no login prompt is expected
	Password string

	// LoginPrompt, PasswordPrompt and Prompt are regular expressions (Go
	// RE2) matched against the output with terminal escape sequences
	// removed. Login and password prompts must end the output so far;
	// Prompt should anchor itself with $.
	LoginPrompt    string
	PasswordPrompt string
	Prompt         string
	// LoginFailed matches a refused login; a login or password prompt
	// coming back after the password counts as refused too.
	LoginFailed string

	// EnablePassword, when set, runs EnableCommand after login and answers
	// its password prompt, as network devices' enable and su do.
	EnableCommand  string
	EnablePassword string
	EnableFailed   string

	Term       string // TERMINAL-TYPE answer
	Cols, Rows int    // window size sent with NAWS

	// PromptSettle is how long the output must stay quiet after something
	// that looks like a prompt during login for it to count; 150ms when
	// zero.
	PromptSettle time.Duration

	ConnectTimeout time.Duration // 10s when zero
	LoginTimeout   time.Duration // 30s when zero: banner, prompts, login
	CommandTimeout time.Duration // per command; none when zero

	// NoExitStatus sends commands as typed and reads until the prompt, for
	// devices without a POSIX shell; exit statuses are then always 0.
	// Otherwise each command is wrapped to print a marker with $?.
	NoExitStatus bool
}

// String describes c with the passwords masked.
func (c Config) String() string {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "********"
	}
	c.Password, c.EnablePassword = mask(c.Password), mask(c.EnablePassword)
	type plain Config
	return fmt.Sprintf("%+v", plain(c))
}

// GoString is String, so that %#v does not show the passwords either.
func (c Config) GoString() string { return c.String() }

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&c.Host, c.Name)
	def(&c.Name, c.Host)
	def(&c.LoginPrompt, DefaultLoginPrompt)
	def(&c.PasswordPrompt, DefaultPasswordPrompt)
	def(&c.Prompt, DefaultPrompt)
	def(&c.LoginFailed, DefaultLoginFailed)
	def(&c.EnableCommand, DefaultEnableCommand)
	def(&c.EnableFailed, DefaultEnableFailed)
	def(&c.Term, DefaultTerm)
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Cols <= 0 || c.Rows <= 0 {
		c.Cols, c.Rows = DefaultCols, DefaultRows
	}
	if c.PromptSettle <= 0 {
		c.PromptSettle = 150 * time.Millisecond
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.LoginTimeout <= 0 {
		c.LoginTimeout = 30 * time.Second
	}
	return c
}

// check compiles the patterns, naming the variable of a bad one.
func (c Config) check() error {
	for _, p := range []struct{ name, re string }{
		{"drover_telnet_login_prompt", c.LoginPrompt}, {"drover_telnet_password_prompt", c.PasswordPrompt},
		{"drover_telnet_prompt", c.Prompt}, {"drover_telnet_login_failed", c.LoginFailed},
		{"drover_telnet_enable_failed", c.EnableFailed},
	} {
		if _, err := regexp.Compile(p.re); err != nil {
			return fmt.Errorf("%s: %s is not a regular expression: %v", c.Name, p.name, err)
		}
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("%s: port %d is out of range", c.Name, c.Port)
	}
	return nil
}

// varSetters maps the inventory variables ConfigFromVars reads to the field
// they set.
var varSetters = map[string]func(*Config, string, any) error{
	"ansible_host":                  str(func(c *Config) *string { return &c.Host }),
	"ansible_port":                  integer(func(c *Config) *int { return &c.Port }),
	"ansible_user":                  str(func(c *Config) *string { return &c.User }),
	"ansible_password":              str(func(c *Config) *string { return &c.Password }),
	"ansible_ssh_pass":              str(func(c *Config) *string { return &c.Password }),
	"ansible_timeout":               seconds(func(c *Config) *time.Duration { return &c.ConnectTimeout }),
	"ansible_connect_timeout":       seconds(func(c *Config) *time.Duration { return &c.ConnectTimeout }),
	"ansible_command_timeout":       seconds(func(c *Config) *time.Duration { return &c.CommandTimeout }),
	"drover_telnet_login_prompt":    str(func(c *Config) *string { return &c.LoginPrompt }),
	"drover_telnet_password_prompt": str(func(c *Config) *string { return &c.PasswordPrompt }),
	"drover_telnet_prompt":          str(func(c *Config) *string { return &c.Prompt }),
	"drover_telnet_login_failed":    str(func(c *Config) *string { return &c.LoginFailed }),
	"drover_telnet_enable_command":  str(func(c *Config) *string { return &c.EnableCommand }),
	"drover_telnet_enable_password": str(func(c *Config) *string { return &c.EnablePassword }),
	"drover_telnet_enable_failed":   str(func(c *Config) *string { return &c.EnableFailed }),
	"drover_telnet_term":            str(func(c *Config) *string { return &c.Term }),
	"drover_telnet_cols":            integer(func(c *Config) *int { return &c.Cols }),
	"drover_telnet_rows":            integer(func(c *Config) *int { return &c.Rows }),
	"drover_telnet_connect_timeout": seconds(func(c *Config) *time.Duration { return &c.ConnectTimeout }),
	"drover_telnet_login_timeout":   seconds(func(c *Config) *time.Duration { return &c.LoginTimeout }),
	"drover_telnet_command_timeout": seconds(func(c *Config) *time.Duration { return &c.CommandTimeout }),
	"drover_telnet_prompt_settle":   seconds(func(c *Config) *time.Duration { return &c.PromptSettle }),
	"drover_telnet_exit_status":     flag(func(c *Config) *bool { return &c.NoExitStatus }, true),
	"ansible_become_password":       nil, // used with ansible_become_method: enable
	"ansible_become_method":         nil,
	"ansible_become":                nil,
	"ansible_become_pass":           nil,
}

// ConfigFromVars builds the Config of host hostname from its inventory
// variables: ansible_host, ansible_port, ansible_user, ansible_password,
// ansible_timeout / ansible_connect_timeout, ansible_command_timeout,
// ansible_become with ansible_become_method "enable" and
// ansible_become_password (Ansible's network idiom), and drover_telnet_*:
// login_prompt, password_prompt, prompt, login_failed, enable_command,
// enable_password, enable_failed, term, cols, rows, connect_timeout,
// login_timeout, command_timeout, prompt_settle, exit_status. A misspelled drover_telnet_
// variable is an error.
func ConfigFromVars(hostname string, vars map[string]any) (Config, error) {
	c := Config{Name: hostname}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	known := make([]string, 0, len(varSetters))
	for k := range varSetters {
		known = append(known, k)
	}
	sort.Strings(known)
	for _, k := range keys {
		set, ok := varSetters[k]
		if !ok {
			if strings.HasPrefix(k, "drover_telnet_") {
				return Config{}, fmt.Errorf("%s: unknown variable %s%s", hostname, k, suggest.Hint(k, known))
			}
			continue
		}
		if set == nil || vars[k] == nil {
			continue
		}
		if err := set(&c, k, vars[k]); err != nil {
			return Config{}, fmt.Errorf("%s: %w", hostname, err)
		}
	}
	if err := become(&c, vars); err != nil {
		return Config{}, fmt.Errorf("%s: %w", hostname, err)
	}
	c = c.withDefaults()
	return c, c.check()
}

// become applies ansible_become with ansible_become_method: enable.
func become(c *Config, vars map[string]any) error {
	if m, _ := vars["ansible_become_method"].(string); m != "enable" {
		return nil
	}
	on, err := boolValue("ansible_become", vars["ansible_become"])
	if err != nil || !on {
		return err
	}
	for _, k := range []string{"ansible_become_password", "ansible_become_pass"} {
		if pw, ok := vars[k]; ok && pw != nil && c.EnablePassword == "" {
			c.EnablePassword = fmt.Sprint(pw)
		}
	}
	return nil
}

func str(field func(*Config) *string) func(*Config, string, any) error {
	return func(c *Config, name string, v any) error {
		switch v := v.(type) {
		case string:
			*field(c) = v
		case int, int64, uint64, float64:
			*field(c) = fmt.Sprint(v)
		default:
			return fmt.Errorf("%s: expected a string, got %T", name, v)
		}
		return nil
	}
}

func integer(field func(*Config) *int) func(*Config, string, any) error {
	return func(c *Config, name string, v any) error {
		switch v := v.(type) {
		case int:
			*field(c) = v
		case int64:
			*field(c) = int(v)
		case uint64:
			*field(c) = int(v)
		case float64:
			if v != float64(int(v)) {
				return fmt.Errorf("%s: expected a whole number, got %v", name, v)
			}
			*field(c) = int(v)
		case string:
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s: expected a number, got %q", name, v)
			}
			*field(c) = n
		default:
			return fmt.Errorf("%s: expected a number, got %T", name, v)
		}
		return nil
	}
}

func seconds(field func(*Config) *time.Duration) func(*Config, string, any) error {
	return func(c *Config, name string, v any) error {
		var f float64
		switch v := v.(type) {
		case int:
			f = float64(v)
		case int64:
			f = float64(v)
		case uint64:
			f = float64(v)
		case float64:
			f = v
		case string:
			if d, err := time.ParseDuration(strings.TrimSpace(v)); err == nil && d >= 0 {
				*field(c) = d
				return nil
			}
			var err error
			if f, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
				f = -1
			}
		default:
			f = -1
		}
		if f < 0 || f > 1e9 {
			return fmt.Errorf("%s: expected seconds or a duration such as 90s, got %v", name, v)
		}
		*field(c) = time.Duration(f * float64(time.Second))
		return nil
	}
}

// flag sets a bool field; inverted stores the opposite of the value.
func flag(field func(*Config) *bool, inverted bool) func(*Config, string, any) error {
	return func(c *Config, name string, v any) error {
		b, err := boolValue(name, v)
		if err != nil {
			return err
		}
		*field(c) = b != inverted
		return nil
	}
}

func boolValue(name string, v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "yes", "true", "on", "1", "y", "t":
			return true, nil
		case "no", "false", "off", "0", "n", "f", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("%s: expected a boolean, got %v", name, v)
}
