package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/drover/drover/internal/exitcode"
	"github.com/drover/drover/internal/shlex"
	"github.com/drover/drover/internal/vault"
)

func init() { register(newVaultCmd) }

// vaultOptions are the flags of the drover vault subcommands; each
// subcommand registers the ones ansible-vault gives it.
type vaultOptions struct {
	src    vault.Sources
	output string

	names     []string // encrypt_string -n/--name
	stdinName string   // encrypt_string --stdin-name
	prompt    bool     // encrypt_string -p/--prompt
	showInput bool     // encrypt_string --show-input

	newVaultID      string // rekey --new-vault-id
	newPasswordFile string // rekey --new-vault-password-file

	verbose int // -v: say which vault id opened or sealed each file

	stdin          io.Reader
	stdout, stderr io.Writer
}

func newVaultCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vault",
		Short: "Encrypt, decrypt, view and edit Ansible Vault files",
		Long: `Encrypt, decrypt, view and edit Ansible Vault files, as ansible-vault does.

Passwords come from --vault-id label@source (a file, an executable printing
the password, or "prompt"), --vault-password-file, --ask-vault-pass and
ANSIBLE_VAULT_PASSWORD_FILE. Exit status: 0 done, 4 wrong password or bad
file, 5 bad flags or arguments.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return exitcode.Errorf(exitcode.Usage, "unknown vault command %q%s (see drover vault --help)", args[0], subcommandHint(cmd, args[0]))
			}
			return exitcode.Errorf(exitcode.Usage, "a vault command is required: create, decrypt, edit, view, encrypt, encrypt_string or rekey")
		},
	}
	cmd.AddCommand(
		vaultSubcommand("encrypt [FILE...]", "Encrypt files in place (stdin to stdout without FILE)", "output encrypt-id", (*vaultOptions).encrypt),
		vaultSubcommand("decrypt [FILE...]", "Decrypt files in place (stdin to stdout without FILE)", "output", (*vaultOptions).decrypt),
		vaultSubcommand("view FILE...", "Show decrypted files", "", (*vaultOptions).view),
		vaultSubcommand("edit FILE...", "Edit encrypted files in $EDITOR", "encrypt-id", (*vaultOptions).edit),
		vaultSubcommand("create FILE", "Create an encrypted file in $EDITOR", "encrypt-id", (*vaultOptions).create),
		vaultSubcommand("rekey FILE...", "Re-encrypt files with a new password", "encrypt-id rekey", (*vaultOptions).rekey),
		vaultSubcommand("encrypt_string [STRING...]", "Encrypt strings as inline !vault YAML values", "output encrypt-id string", (*vaultOptions).encryptString),
	)
	return cmd
}

// vaultSubcommand builds one subcommand with the common vault flags and
// the extra flag groups named in extras.
func vaultSubcommand(use, short, extras string, run func(*vaultOptions, context.Context, []string) error) *cobra.Command {
	o := &vaultOptions{}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.stdin, o.stdout, o.stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			o.src.Stderr = o.stderr
			cfg, err := loadConfig(o.stderr)
			if err != nil {
				return err
			}
			vaultConfig(&o.src, cmd.Flags(), cfg)
			if err := o.src.Validate(); err != nil {
				return exitcode.New(exitcode.Usage, err)
			}
			if o.output != "" && len(args) > 1 && !strings.HasPrefix(use, "encrypt_string") {
				return exitcode.Errorf(exitcode.Usage, "at most one input file may be used with the --output option")
			}
			if o.newVaultID != "" && o.newPasswordFile != "" {
				return exitcode.Errorf(exitcode.Usage, "--new-vault-id and --new-vault-password-file cannot be used together")
			}
			return run(o, cmd.Context(), args)
		},
	}
	f := cmd.Flags()
	o.src.AddFlags(f)
	f.CountVarP(&o.verbose, "verbose", "v", "say which vault id opened or encrypted each file")
	for extra := range strings.FieldsSeq(extras) {
		switch extra {
		case "output":
			f.StringVar(&o.output, "output", "", "output `file` name for encrypt or decrypt; - for stdout")
		case "encrypt-id":
			o.src.AddEncryptFlag(f)
		case "rekey":
			f.StringVar(&o.newVaultID, "new-vault-id", "", "the new vault identity `label@source` to rekey with")
			f.StringVar(&o.newPasswordFile, "new-vault-password-file", "", "new vault password `file` for rekey")
		case "string":
			f.StringArrayVarP(&o.names, "name", "n", nil, "the variable `name` of the next string (repeatable)")
			f.StringVar(&o.stdinName, "stdin-name", "", "the variable `name` of the string read from stdin")
			f.BoolVarP(&o.prompt, "prompt", "p", false, "prompt for the string to encrypt")
			f.BoolVar(&o.showInput, "show-input", false, "do not hide the string typed at --prompt")
		}
	}
	switch {
	case strings.HasPrefix(use, "create"):
		cmd.Args = usageArgs(cobra.ExactArgs(1))
	case strings.HasSuffix(use, "FILE..."):
		cmd.Args = usageArgs(cobra.MinimumNArgs(1))
	}
	return cmd
}

// readKeyring loads the passwords that open existing vault data.
func (o *vaultOptions) readKeyring(ctx context.Context) (*vault.Keyring, error) {
	src := o.src
	src.AutoPrompt = true
	kr, err := src.Keyring(ctx)
	if err != nil {
		return nil, vaultSourceError(err)
	}
	if kr.Len() == 0 {
		return nil, exitcode.Errorf(exitcode.Usage, "a vault password is required: use --vault-id, --vault-password-file or --ask-vault-pass")
	}
	return kr, nil
}

// encryptSecret loads the password to encrypt with from src (a new one
// when prompted: asked twice) and picks it by --encrypt-vault-id.
func (o *vaultOptions) encryptSecret(ctx context.Context, src vault.Sources) (vault.Secret, error) {
	src.AutoPrompt, src.NewPassword = true, true
	kr, err := src.Keyring(ctx)
	if err != nil {
		return vault.Secret{}, vaultSourceError(err)
	}
	id := o.src.EncryptVaultID()
	if kr.Len() > 1 && id == "" {
		return vault.Secret{}, exitcode.Errorf(exitcode.Usage,
			"the vault ids %s are available to encrypt; choose one with --encrypt-vault-id", strings.Join(kr.IDs(), ","))
	}
	s, err := kr.Secret(id)
	if err != nil {
		return vault.Secret{}, exitcode.New(exitcode.Usage, fmt.Errorf("--encrypt-vault-id: %w", err))
	}
	return s, nil
}

// vaultSourceError gives a password-source failure its exit status.
func vaultSourceError(err error) error {
	if errors.Is(err, vault.ErrNoTerminal) {
		return exitcode.New(exitcode.Usage, err)
	}
	return exitcode.New(exitcode.BadInput, err)
}

// inputs reads the named files ("-" or none: stdin) for decryption.
func (o *vaultOptions) inputs(args []string) ([]vault.Item, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	items := make([]vault.Item, len(args))
	for i, name := range args {
		data, err := o.readInput(name)
		if err != nil {
			return nil, err
		}
		items[i] = vault.Item{Name: name, Data: data}
		if name == "-" {
			items[i].Name = "(stdin)"
		}
	}
	return items, nil
}

// readInput reads a file, or stdin for "-".
func (o *vaultOptions) readInput(name string) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(o.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, exitcode.Errorf(exitcode.BadInput, "unable to read source file %s: %v", name, vaultPathError(err))
	}
	return data, nil
}

// decryptAll opens every input in parallel; any failure fails them all,
// before anything is written.
func (o *vaultOptions) decryptAll(ctx context.Context, kr *vault.Keyring, items []vault.Item) ([]vault.Result, error) {
	for _, it := range items {
		if !vault.IsEncrypted(it.Data) {
			return nil, exitcode.Errorf(exitcode.BadInput, "%s: vault: input is not vault encrypted data", it.Name)
		}
	}
	res, err := kr.DecryptAll(ctx, items)
	if err != nil {
		if ctx.Err() != nil {
			return nil, exitcode.New(exitcode.Interrupted, err)
		}
		return nil, exitcode.New(exitcode.BadInput, err)
	}
	for i, r := range res {
		o.say("%s: decrypted with vault id %s", items[i].Name, r.ID)
	}
	return res, nil
}

// say prints a -v message on stderr.
func (o *vaultOptions) say(format string, args ...any) {
	if o.verbose > 0 {
		fmt.Fprintf(o.stderr, format+"\n", args...)
	}
}

func (o *vaultOptions) encrypt(ctx context.Context, args []string) error {
	secret, err := o.encryptSecret(ctx, o.src)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"-"}
		o.tellTerminal(o.stdin, "Reading plaintext input from stdin")
	}
	for _, name := range args {
		plain, err := o.readInput(name)
		if err != nil {
			return err
		}
		enc, err := vault.EncryptWith(plain, secret)
		if err != nil {
			return exitcode.New(exitcode.BadInput, fmt.Errorf("%s: %w", name, err))
		}
		if err := o.writeResult(name, enc); err != nil {
			return err
		}
		o.say("%s: encrypted with vault id %s", name, secret.ID)
	}
	o.tellTerminal(o.stdout, "Encryption successful")
	return nil
}

func (o *vaultOptions) decrypt(ctx context.Context, args []string) error {
	kr, err := o.readKeyring(ctx)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		o.tellTerminal(o.stdin, "Reading ciphertext input from stdin")
	}
	items, err := o.inputs(args)
	if err != nil {
		return err
	}
	res, err := o.decryptAll(ctx, kr, items)
	if err != nil {
		return err
	}
	for i, r := range res {
		name := "-"
		if len(args) > 0 {
			name = args[i]
		}
		if err := o.writeResult(name, r.Plaintext); err != nil {
			return err
		}
	}
	o.tellTerminal(o.stdout, "Decryption successful")
	return nil
}

func (o *vaultOptions) view(ctx context.Context, args []string) error {
	kr, err := o.readKeyring(ctx)
	if err != nil {
		return err
	}
	items, err := o.inputs(args)
	if err != nil {
		return err
	}
	res, err := o.decryptAll(ctx, kr, items)
	if err != nil {
		return err
	}
	var all bytes.Buffer
	for _, r := range res {
		all.Write(r.Plaintext)
	}
	return o.page(ctx, all.Bytes())
}

// page shows text through $PAGER (default less) when stdout is a terminal,
// else writes it out. The text goes to the pager through a pipe, never a
// file.
func (o *vaultOptions) page(ctx context.Context, text []byte) error {
	if !vaultIsTerminal(o.stdout) {
		_, err := o.stdout.Write(text)
		return err
	}
	pager := os.Getenv("PAGER")
	if pager == "" {
		pager = "less"
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", pager)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(text), o.stdout, o.stderr
	cmd.Env = os.Environ()
	if os.Getenv("LESS") == "" {
		cmd.Env = append(cmd.Env, "LESS=FRSX")
	}
	if err := cmd.Run(); err != nil {
		_, err = o.stdout.Write(text)
		return err
	}
	return nil
}

func (o *vaultOptions) edit(ctx context.Context, args []string) error {
	kr, err := o.readKeyring(ctx)
	if err != nil {
		return err
	}
	for _, name := range args {
		data, err := o.readInput(name)
		if err != nil {
			return err
		}
		plain, used, err := kr.DecryptNamed(name, data)
		if err != nil {
			return exitcode.New(exitcode.BadInput, err)
		}
		id, _ := vault.HeaderID(data)
		o.say("%s: decrypted with vault id %s", name, used.ID)
		if err := o.editInEditor(name, plain, false, vault.Secret{ID: id, Password: used.Password}); err != nil {
			return err
		}
	}
	return nil
}

func (o *vaultOptions) create(ctx context.Context, args []string) error {
	name := args[0]
	if _, err := os.Lstat(name); err == nil {
		return exitcode.Errorf(exitcode.Usage, "%s exists, please use 'edit' instead", name)
	}
	secret, err := o.encryptSecret(ctx, o.src)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return exitcode.New(exitcode.Failed, err)
		}
	}
	return o.editInEditor(name, nil, true, secret)
}

// editInEditor writes plain to a private temporary file (mode 0600 in a
// directory only the user can enter), runs $EDITOR on it and encrypts the
// result into name when it changed (always, for a new file). The temporary
// file is overwritten and removed on every path out, including editor
// failure and errors.
func (o *vaultOptions) editInEditor(name string, plain []byte, create bool, secret vault.Secret) (err error) {
	dir, err := os.MkdirTemp("", "drover-vault-")
	if err != nil {
		return exitcode.New(exitcode.Failed, err)
	}
	tmp := filepath.Join(dir, "edit"+filepath.Ext(name))
	defer func() {
		if rmErr := vaultShredDir(dir, tmp); rmErr != nil && err == nil {
			err = exitcode.New(exitcode.Failed, rmErr)
		}
	}()
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return exitcode.New(exitcode.Failed, err)
	}
	// a closed terminal must not kill drover before it removes the file
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := o.runEditor(tmp); err != nil {
		return exitcode.New(exitcode.Failed, fmt.Errorf("%s left unchanged: %w", name, err))
	}
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return exitcode.New(exitcode.Failed, err)
	}
	if !create && bytes.Equal(edited, plain) {
		return nil
	}
	enc, err := vault.EncryptWith(edited, secret)
	if err != nil {
		return exitcode.New(exitcode.BadInput, fmt.Errorf("%s: %w", name, err))
	}
	return vaultWriteFileAtomic(name, enc, 0o600, true)
}

// runEditor runs $EDITOR (split like a shell word list; default vi) on
// path, attached to drover's terminal.
func (o *vaultOptions) runEditor(path string) error {
	editor := os.Getenv("EDITOR")
	if editor == "" {
		editor = "vi"
	}
	words, err := shlex.Split(editor)
	if err != nil || len(words) == 0 {
		return fmt.Errorf("cannot parse EDITOR %q: %v", editor, err)
	}
	cmd := exec.Command(words[0], append(words[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %s: %w", words[0], err)
	}
	return nil
}

// vaultShredDir overwrites file with zeros and removes dir with everything in it.
func vaultShredDir(dir, file string) error {
	if f, err := os.OpenFile(file, os.O_WRONLY, 0); err == nil {
		if fi, err := f.Stat(); err == nil {
			_, _ = f.Write(make([]byte, fi.Size()))
			_ = f.Sync()
		}
		f.Close()
	}
	return os.RemoveAll(dir)
}

func (o *vaultOptions) rekey(ctx context.Context, args []string) error {
	kr, err := o.readKeyring(ctx)
	if err != nil {
		return err
	}
	newSrc := vault.Sources{AskPass: o.src.AskPass, NoEnv: true, Stderr: o.stderr, Getenv: func(string) string { return "" }}
	if o.newVaultID != "" {
		newSrc.IDs = []string{o.newVaultID}
	}
	if o.newPasswordFile != "" {
		newSrc.PasswordFiles = []string{o.newPasswordFile}
	}
	secret, err := o.encryptSecret(ctx, newSrc)
	if err != nil {
		return err
	}
	items, err := o.inputs(args)
	if err != nil {
		return err
	}
	res, err := o.decryptAll(ctx, kr, items)
	if err != nil {
		return err
	}
	for i, r := range res {
		enc, err := vault.EncryptWith(r.Plaintext, secret)
		if err != nil {
			return exitcode.New(exitcode.BadInput, fmt.Errorf("%s: %w", args[i], err))
		}
		if err := vaultWriteFileAtomic(args[i], enc, 0o600, true); err != nil {
			return err
		}
	}
	fmt.Fprintln(o.stderr, "Rekey successful")
	return nil
}

// vaultPlainString is one string for encrypt_string and where it came from.
type vaultPlainString struct {
	text, source, name string
}

func (o *vaultOptions) encryptString(ctx context.Context, args []string) error {
	plains, err := o.stringsToEncrypt(args)
	if err != nil {
		return err
	}
	secret, err := o.encryptSecret(ctx, o.src)
	if err != nil {
		return err
	}
	var out []string
	for i, p := range plains {
		enc, err := vault.EncryptWith([]byte(p.text), secret)
		if err != nil {
			return exitcode.New(exitcode.BadInput, fmt.Errorf("string #%d: %w", i+1, err))
		}
		if len(plains) > 1 {
			if p.name != "" {
				fmt.Fprintf(o.stderr, "# The encrypted version of variable (%q, the string #%d from %s).\n", p.name, i+1, p.source)
			} else {
				fmt.Fprintf(o.stderr, "# The encrypted version of the string #%d from %s.\n", i+1, p.source)
			}
		}
		out = append(out, vault.FormatInline(enc, p.name))
	}
	target := o.output
	if target == "" {
		target = "-"
	}
	if err := o.writeResult(target, []byte(strings.Join(out, "\n")+"\n")); err != nil {
		return err
	}
	o.tellTerminal(o.stdout, "Encryption successful")
	return nil
}

// stringsToEncrypt gathers encrypt_string's inputs as ansible-vault does:
// the prompt, then stdin (with "-", --stdin-name, or no argument at all
// unless --prompt), then the arguments, named by -n in order.
func (o *vaultOptions) stringsToEncrypt(args []string) ([]vaultPlainString, error) {
	var rest []string
	readStdin := o.stdinName != "" || (len(args) == 0 && !o.prompt)
	for _, a := range args {
		if a == "-" {
			readStdin = true
			continue
		}
		rest = append(rest, a)
	}
	if o.prompt && readStdin {
		return nil, exitcode.Errorf(exitcode.Usage, "the --prompt option is not supported if also reading input from stdin")
	}
	var plains []vaultPlainString
	if o.prompt {
		p, err := o.promptString()
		if err != nil {
			return nil, err
		}
		plains = append(plains, p)
	}
	if readStdin {
		o.tellTerminal(o.stdin, "Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)")
		text, err := io.ReadAll(o.stdin)
		if err != nil {
			return nil, exitcode.New(exitcode.BadInput, err)
		}
		if len(text) == 0 {
			return nil, exitcode.Errorf(exitcode.Usage, "stdin was empty, not encrypting")
		}
		plains = append(plains, vaultPlainString{text: string(text), source: "stdin", name: o.stdinName})
	}
	if len(rest) > len(o.names) && len(o.names) > 0 {
		fmt.Fprintf(o.stderr, "The number of --name options do not match the number of args.\nThe last named variable will be %q. The rest will not have names.\n", o.names[len(o.names)-1])
	}
	for i, a := range rest {
		if a == "" {
			return nil, exitcode.Errorf(exitcode.Usage, "the plaintext provided from the command line args was empty, not encrypting")
		}
		p := vaultPlainString{text: a, source: "the command line args"}
		if i < len(o.names) {
			p.name = o.names[i]
		}
		plains = append(plains, p)
	}
	return plains, nil
}

// promptString asks for a variable name and a string on the terminal.
func (o *vaultOptions) promptString() (vaultPlainString, error) {
	name, err := vaultPromptLine("Variable name (enter for no name): ")
	if err != nil {
		return vaultPlainString{}, exitcode.New(exitcode.Usage, err)
	}
	var text []byte
	if o.showInput {
		var line string
		line, err = vaultPromptLine("String to encrypt: ")
		text = []byte(line)
	} else {
		text, err = vault.TerminalPrompt("String to encrypt (hidden): ")
	}
	if err != nil {
		return vaultPlainString{}, exitcode.New(exitcode.Usage, err)
	}
	if len(text) == 0 {
		return vaultPlainString{}, exitcode.Errorf(exitcode.Usage, "the plaintext provided from the prompt was empty, not encrypting")
	}
	return vaultPlainString{text: string(text), source: "the interactive prompt", name: name}, nil
}

// vaultPromptLine asks on the controlling terminal and reads one visible line.
func vaultPromptLine(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", vault.ErrNoTerminal
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading from the terminal: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// writeResult writes data to --output ("-": stdout) or, without it, over
// name itself ("-": stdout).
func (o *vaultOptions) writeResult(name string, data []byte) error {
	target := name
	if o.output != "" {
		target = o.output
	}
	if target == "-" {
		if _, err := o.stdout.Write(data); err != nil {
			return exitcode.New(exitcode.Failed, err)
		}
		return nil
	}
	return vaultWriteFileAtomic(target, data, 0o600, false)
}

// vaultWriteFileAtomic replaces path (through a symlink, its target) with data
// via a temporary file in the same directory and a rename, so a reader
// never sees half a file and a failure leaves the old one. The new file has
// mode, or with keepMode the old file's mode and owner.
func vaultWriteFileAtomic(path string, data []byte, mode fs.FileMode, keepMode bool) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	var uid, gid = -1, -1
	if fi, err := os.Stat(path); err == nil && keepMode {
		mode = fi.Mode().Perm()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".drover-*")
	if err != nil {
		return exitcode.New(exitcode.Failed, err)
	}
	tmp := f.Name()
	err = vaultWriteAndClose(f, data, mode)
	if err == nil && uid >= 0 && os.Getuid() == 0 {
		err = os.Chown(tmp, uid, gid)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return exitcode.New(exitcode.Failed, err)
	}
	return nil
}

// vaultWriteAndClose sets the mode of a new file, writes data, syncs and closes.
func vaultWriteAndClose(f *os.File, data []byte, mode fs.FileMode) error {
	err := f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// tellTerminal prints msg on stderr when stream (drover's stdin or stdout)
// is a terminal, as ansible-vault does.
func (o *vaultOptions) tellTerminal(stream any, msg string) {
	if vaultIsTerminal(stream) {
		fmt.Fprintln(o.stderr, msg)
	}
}

// vaultIsTerminal reports whether v is an *os.File on a terminal.
func vaultIsTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// vaultPathError drops the path an *fs.PathError repeats.
func vaultPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
