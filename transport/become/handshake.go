package become

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
)

// handshake follows one become command until the become program let the
// inner shell run: it answers the password prompt on the command's standard
// input, cuts the become program's output up to the marker, and then lets
// the caller's input through.
type handshake struct {
	marker   []byte
	password string
	isPrompt func(partial []byte) bool

	// The command's standard input is an OS pipe: the local transport hands
	// it to the process as it is, so that its end never waits for our
	// writer (as it would with a goroutine copying from an io.Reader).
	stdinR *os.File
	stdinW *os.File

	prompt chan struct{} // a password prompt appeared
	ready  chan struct{} // the marker appeared on stdout
	ended  chan struct{} // the command ended

	mu       sync.Mutex
	said     strings.Builder // what the become program printed
	prompts  int
	answered bool
	sorry    bool   // it said the password was wrong
	pid      string // the inner shell's process id
	okOnce   sync.Once
	endOnce  sync.Once
}

func newHandshake(marker, password string, isPrompt func([]byte) bool) (*handshake, error) {
	h := &handshake{marker: []byte(marker), password: password, isPrompt: isPrompt,
		prompt: make(chan struct{}, 4), ready: make(chan struct{}),
		ended: make(chan struct{})}
	var err error
	if h.stdinR, h.stdinW, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("become: %w", err)
	}
	return h, nil
}

// feed writes the command's standard input: the password once asked for,
// then, after the marker, what then does (copy the caller's input, or keep
// the pipe for an SFTP client). It closes the input when the become program
// asks twice, so that it ends instead of waiting, or once it ended. What
// the become program prints besides its prompt (warnings such as "unable to
// resolve host", a lecture, PAM messages, errors) never ends the handshake:
// the program ends by itself after a fatal error.
func (h *handshake) feed(then func(w *os.File)) {
	for {
		select {
		case <-h.prompt:
			if !h.answer() {
				h.stdinW.Close()
				return
			}
		case <-h.ready:
			then(h.stdinW)
			return
		case <-h.ended:
			h.stdinW.Close()
			return
		}
	}
}

// answer writes the password for the first prompt; false means there is
// nothing (more) to answer with.
func (h *handshake) answer() bool {
	h.mu.Lock()
	first := !h.answered && h.password != ""
	h.answered = h.answered || first
	h.mu.Unlock()
	if !first {
		return false
	}
	_, err := io.WriteString(h.stdinW, h.password+"\n")
	return err == nil
}

// succeed notes the marker on stdout, with the inner shell's process id.
func (h *handshake) succeed(pid string) {
	h.okOnce.Do(func() {
		h.mu.Lock()
		h.pid = pid
		h.mu.Unlock()
		close(h.ready)
	})
}

// innerPID is the process id of the inner shell, once it announced itself.
func (h *handshake) innerPID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pid
}

// end is called once the command ended.
func (h *handshake) end() {
	h.endOnce.Do(func() { close(h.ended) })
	h.stdinR.Close()
}

// succeeded reports whether the marker appeared on stdout.
func (h *handshake) succeeded() bool {
	select {
	case <-h.ready:
		return true
	default:
		return false
	}
}

// line notes one complete line the become program printed before the
// marker.
func (h *handshake) line(l []byte) {
	s := strings.TrimRight(string(l), "\r")
	h.mu.Lock()
	if h.said.Len() < 4096 && strings.TrimSpace(s) != "" {
		h.said.WriteString(s + "\n")
	}
	if sorryLine.MatchString(s) {
		h.sorry = true
	}
	h.mu.Unlock()
}

// prompted notes a password prompt.
func (h *handshake) prompted() {
	h.mu.Lock()
	h.prompts++
	h.mu.Unlock()
	select {
	case h.prompt <- struct{}{}:
	default:
	}
}

// summary is what went wrong, for an error message, without the password.
func (h *handshake) summary() (said string, answered, sorry bool, prompts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	said = strings.TrimSpace(h.said.String())
	if h.password != "" {
		said = strings.ReplaceAll(said, h.password, "********")
	}
	return said, h.answered, h.sorry, h.prompts
}

// sorryLine is what sudo and su say about a wrong password.
var sorryLine = regexp.MustCompile(`(?i)sorry, try again|incorrect password|authentication failure|authentication token manipulation`)

// suPrompt is su's password prompt in the languages Ansible knows it in
// ("Password: ", "Passwort:", "密码：", "alice's Password:").
var suPrompt = regexp.MustCompile(`(?i)(\w+'s )?(` + strings.Join(suPromptWords, "|") + `) ?(:|：) ?$`)

// suPromptWords are "password" in the languages of Ansible's su plugin.
var suPromptWords = []string{"Password", "암호", "パスワード", "Adgangskode", "Contraseña", "Contrasenya", "Hasło",
	"Heslo", "Jelszó", "Lösenord", "Mật khẩu", "Mot de passe", "Parola", "Parool", "Pasahitza", "Passord",
	"Passwort", "Salasana", "Sandi", "Senha", "Wachtwoord", "ססמה", "Лозинка", "Парола", "Пароль", "गुप्तशब्द",
	"शब्दकूट", "సంకేతపదము", "හස්පදය", "密码", "密碼", "口令"}

// cutter is the writer one output stream of the command goes through:
// before the marker it holds the text back (watching it for the prompt when
// watch is set: at the end of what arrived so far, or in a line of its own,
// wherever the become program's other text puts it); after the marker it
// passes everything to dst.
type cutter struct {
	h      *handshake
	dst    io.Writer
	watch  bool // this stream carries the password prompt
	stdout bool // the marker on this stream means become succeeded
	passed bool
	buf    []byte
}

func (c *cutter) Write(p []byte) (int, error) {
	if c.passed {
		return c.pass(p)
	}
	c.buf = append(c.buf, p...)
	for {
		i := bytes.IndexByte(c.buf, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimRight(c.buf[:i], "\r")
		c.buf = c.buf[i+1:]
		if j := bytes.Index(line, c.h.marker); j >= 0 {
			c.passed = true
			if c.stdout {
				c.h.succeed(string(bytes.TrimSpace(line[j+len(c.h.marker):])))
			}
			rest := c.buf
			c.buf = nil
			_, err := c.pass(rest)
			return len(p), err
		}
		if c.watch && c.h.isPrompt(line) {
			c.h.prompted()
			continue
		}
		c.h.line(line)
	}
	if c.watch && len(c.buf) > 0 && c.h.isPrompt(c.buf) {
		c.h.prompted()
		c.buf = c.buf[:0]
	}
	return len(p), nil
}

// flush notes an unfinished last line the command left before any
// marker.
func (c *cutter) flush() {
	if !c.passed && len(c.buf) > 0 {
		c.h.line(c.buf)
		c.buf = nil
	}
}

// pass hands output after the marker on.
func (c *cutter) pass(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := c.dst.Write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lockedWriter serialises the writes of two streams sharing one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
