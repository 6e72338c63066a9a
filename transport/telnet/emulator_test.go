package telnet

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// device is a scripted telnet device on 127.0.0.1: each connection runs
// script, which talks to the client through a devConn.
type device struct {
	Addr  string
	Port  int
	mu    sync.Mutex
	conns []*devConn
}

func startDevice(t *testing.T, script func(d *devConn)) *device {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dev := &device{Addr: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dc := &devConn{c: c, r: bufio.NewReader(c)}
			dev.mu.Lock()
			dev.conns = append(dev.conns, dc)
			dev.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				script(dc)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		dev.mu.Lock()
		for _, dc := range dev.conns {
			dc.c.Close()
		}
		dev.mu.Unlock()
		wg.Wait()
	})
	return dev
}

// last is the newest connection's record.
func (d *device) last() *devConn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conns[len(d.conns)-1]
}

// devConn is the device's side of one connection. It records every telnet
// command the client sent and every data line.
type devConn struct {
	c     net.Conn
	r     *bufio.Reader
	mu    sync.Mutex
	cmds  []string // "DO 1", "WONT 34", "SB 24 0 XTERM", ...
	lines []string
	raw   bytes.Buffer // the bytes of the lines, as sent
}

// send writes each part on its own, pausing between them so the client
// reads them separately.
func (d *devConn) send(parts ...string) {
	for i, p := range parts {
		if i > 0 {
			time.Sleep(15 * time.Millisecond)
		}
		if _, err := io.WriteString(d.c, p); err != nil {
			return
		}
	}
}

var verbs = map[byte]string{cmdWILL: "WILL", cmdWONT: "WONT", cmdDO: "DO", cmdDONT: "DONT"}

// readLine reads one line of data (ended by CR LF, CR NUL or LF), recording
// the telnet commands around it and echoing the data when echo is set.
func (d *devConn) readLine(echo bool) (string, error) {
	var line []byte
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			return string(line), err
		}
		if c == cmdIAC {
			if data, err := d.command(); err != nil {
				return "", err
			} else if data {
				line = append(line, cmdIAC)
			}
			continue
		}
		d.mu.Lock()
		d.raw.WriteByte(c)
		d.mu.Unlock()
		if c == '\r' {
			next, _ := d.r.ReadByte()
			d.mu.Lock()
			d.raw.WriteByte(next)
			d.mu.Unlock()
			if next == '\n' || next == 0 {
				break
			}
			line = append(line, c, next)
			continue
		}
		if c == '\n' {
			break
		}
		line = append(line, c)
		if echo {
			d.c.Write([]byte{c})
		}
	}
	if echo {
		io.WriteString(d.c, "\r\n")
	}
	d.mu.Lock()
	d.lines = append(d.lines, string(line))
	d.mu.Unlock()
	return string(line), nil
}

// command reads the rest of a command after IAC; it reports IAC IAC as data.
func (d *devConn) command() (bool, error) {
	c, err := d.r.ReadByte()
	if err != nil {
		return false, err
	}
	rec := ""
	switch {
	case c == cmdIAC:
		return true, nil
	case verbs[c] != "":
		opt, err := d.r.ReadByte()
		if err != nil {
			return false, err
		}
		rec = fmt.Sprintf("%s %d", verbs[c], opt)
	case c == cmdSB:
		var sb []byte
		for {
			b, err := d.r.ReadByte()
			if err != nil {
				return false, err
			}
			if b == cmdIAC {
				if b, _ = d.r.ReadByte(); b == cmdSE {
					break
				}
			}
			sb = append(sb, b)
		}
		rec = fmt.Sprintf("SB %d %d %s", sb[0], sb[1], sb[2:])
		if sb[0] == optNAWS {
			rec = fmt.Sprintf("SB %d %dx%d", sb[0], int(sb[1])<<8|int(sb[2]), int(sb[3])<<8|int(sb[4]))
		}
	default:
		rec = fmt.Sprintf("CMD %d", c)
	}
	d.mu.Lock()
	d.cmds = append(d.cmds, rec)
	d.mu.Unlock()
	return false, nil
}

// received returns the commands the client sent.
func (d *devConn) received() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.cmds...)
}

func (d *devConn) count(cmd string) int {
	n := 0
	for _, c := range d.received() {
		if c == cmd {
			n++
		}
	}
	return n
}

// router is a device's behaviour: negotiation and banner, a login, an
// optional enable step, and commands answered at a prompt.
type router struct {
	preamble       []string // negotiation and banner parts, sent one by one
	user, password string
	enable         string            // enable password; empty: no enable
	answers        map[string]string // command -> output
	echo           bool
	ga             bool // send IAC GA after prompts
}

func (r router) prompt(d *devConn, p string) {
	if r.ga {
		p += string([]byte{cmdIAC, cmdGA})
	}
	d.send(p)
}

func (r router) run(d *devConn) {
	d.send(r.preamble...)
	for tries := 0; ; tries++ {
		r.prompt(d, "\r\nUsername: ")
		user, err := d.readLine(r.echo)
		if err != nil {
			return
		}
		r.prompt(d, "Password: ")
		pw, err := d.readLine(false)
		if err != nil {
			return
		}
		if user == r.user && pw == r.password {
			break
		}
		d.send("\r\n% Authentication failed\r\n")
		if tries == 2 {
			return
		}
	}
	r.shell(d)
}

func (r router) shell(d *devConn) {
	mode := ">"
	for {
		r.prompt(d, "\r\nrouter"+mode)
		line, err := d.readLine(r.echo)
		if err != nil {
			return
		}
		switch {
		case line == "enable" && r.enable != "":
			r.prompt(d, "Password: ")
			pw, err := d.readLine(false)
			if err != nil {
				return
			}
			if pw == r.enable {
				mode = "#"
			} else {
				d.send("\r\n% Access denied\r\n")
			}
		case line == "exit":
			return
		case r.answers[line] != "":
			d.send(r.answers[line])
		case strings.TrimSpace(line) != "":
			d.send("% Invalid input detected\r\n")
		}
	}
}

func iac(b ...byte) string { return string(append([]byte{cmdIAC}, b...)) }
