package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/pflag"
)

// flagAliases are the other spellings ansible-playbook accepts for flags
// drover has, mapped to drover's name.
var flagAliases = map[string]string{
	"inventory-file":   "inventory",
	"key-file":         "private-key",
	"conn-pass-file":   "connection-password-file",
	"become-pass-file": "become-password-file",
}

// normalizeFlag maps Ansible's alias spellings to drover's flag names.
func normalizeFlag(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if to, ok := flagAliases[name]; ok {
		return pflag.NormalizedName(to)
	}
	return pflag.NormalizedName(name)
}

// refusedFlag is an Ansible flag drover cannot honour: giving it is an error
// saying why, never a silently ignored option.
type refusedFlag struct{ reason string }

func (r refusedFlag) String() string     { return "" }
func (r refusedFlag) Type() string       { return "string" }
func (r refusedFlag) Set(_ string) error { return errors.New("not supported by drover: " + r.reason) }

// refuse registers the Ansible flag name (with shorthand, or "") as a flag
// whose use fails with reason.
func refuse(fs *pflag.FlagSet, name, shorthand, reason string) {
	fs.VarP(refusedFlag{reason}, name, shorthand, "not supported: "+reason)
	_ = fs.MarkHidden(name)
}

// readPasswordFile reads a become or connection password as Ansible does
// from --become-password-file or --connection-password-file: "-" is
// standard input, an executable file is run and its output taken, another
// file is read; surrounding whitespace (of a script's output, line ends
// only) is dropped and an empty password is an error.
func readPasswordFile(ctx context.Context, flag, path string) (string, error) {
	var secret []byte
	var err error
	switch fi, statErr := os.Stat(path); {
	case path == "-":
		secret, err = io.ReadAll(os.Stdin)
	case statErr != nil:
		return "", fmt.Errorf("%s: the password file %s was not found", flag, path)
	case fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0:
		secret, err = runPasswordScript(ctx, path)
	default:
		secret, err = os.ReadFile(path)
		secret = bytes.TrimSpace(secret)
	}
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, path, err)
	}
	secret = bytes.Trim(secret, "\r\n")
	if len(secret) == 0 {
		return "", fmt.Errorf("%s: empty password was provided from file (%s)", flag, path)
	}
	return string(secret), nil
}

// runPasswordScript runs an executable password file and returns what it
// printed; a failure carries the script's standard error.
func runPasswordScript(ctx context.Context, path string) ([]byte, error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // run from where it is, never looked up in $PATH
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("the password script failed (%v): %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// splitPathList splits colon-separated directory lists given to a
// repeatable flag (-M a:b -M c), in order, dropping empty entries.
func splitPathList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range filepath.SplitList(v) {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
