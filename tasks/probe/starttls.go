package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// maxLine bounds one line read from a server.
const maxLine = 64 << 10

// lineConn reads lines and raw bytes from a connection through one buffer.
type lineConn struct {
	net.Conn
	r *bufio.Reader
}

func newLineConn(c net.Conn) *lineConn { return &lineConn{Conn: c, r: bufio.NewReaderSize(c, 4096)} }

// readLine returns the next line without its line ending.
func (l *lineConn) readLine() (string, error) {
	var b []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		b = append(b, chunk...)
		switch {
		case err == nil:
			return strings.TrimRight(string(b), "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull) && len(b) < maxLine:
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			return "", fmt.Errorf("line longer than %d bytes", maxLine)
		case errors.Is(err, io.EOF) && len(b) > 0:
			return strings.TrimRight(string(b), "\r\n"), nil
		case errors.Is(err, io.EOF):
			return "", errors.New("connection closed by server")
		}
		return "", err
	}
}

// writeLine sends s followed by CRLF.
func (l *lineConn) writeLine(s string) error {
	_, err := io.WriteString(l.Conn, s+"\r\n")
	return err
}

// readReply reads one SMTP/FTP-style reply ("220-..." lines continue it,
// "220 ..." ends it) and checks that its code is want.
func (l *lineConn) readReply(want string) ([]string, error) {
	first, err := l.readLine()
	if err != nil {
		return nil, err
	}
	lines := []string{first}
	if len(first) < 3 {
		return lines, fmt.Errorf("unexpected reply %q", first)
	}
	code := first[:3]
	for len(first) > 3 && first[3] == '-' {
		line, err := l.readLine()
		if err != nil {
			return lines, err
		}
		lines = append(lines, line)
		if line == code || strings.HasPrefix(line, code+" ") {
			break
		}
	}
	if code != want {
		return lines, fmt.Errorf("expected %s, server replied %q", want, first)
	}
	return lines, nil
}

// StartTLS protocols a probe can upgrade a plain connection with.
var startTLSProtocols = map[string]func(*lineConn) (string, error){
	"smtp":     startSMTP,
	"imap":     startIMAP,
	"pop3":     startPOP3,
	"ftp":      startFTP,
	"postgres": startPostgres,
}

// startTLS runs the plain-text exchange of proto that precedes a TLS
// handshake, returning the server's greeting. An empty proto does nothing.
func startTLS(ctx context.Context, proto string, l *lineConn) (string, error) {
	if proto == "" {
		return "", nil
	}
	exchange, ok := startTLSProtocols[strings.ToLower(proto)]
	if !ok {
		return "", fmt.Errorf("starttls %q: expected smtp, imap, pop3, ftp or postgres", proto)
	}
	banner, err := exchange(l)
	if err != nil {
		return banner, fmt.Errorf("%s STARTTLS: %w", proto, err)
	}
	if l.r.Buffered() > 0 {
		return banner, fmt.Errorf("%s STARTTLS: server sent data before the TLS handshake", proto)
	}
	return banner, ctx.Err()
}

// startSMTP: greeting 220, EHLO, STARTTLS offered, STARTTLS answered 220.
func startSMTP(l *lineConn) (string, error) {
	greet, err := l.readReply("220")
	banner := strings.Join(greet, "\n")
	if err != nil {
		return banner, err
	}
	if err := l.writeLine("EHLO localhost"); err != nil {
		return banner, err
	}
	ext, err := l.readReply("250")
	if err != nil {
		return banner, err
	}
	offered := false
	for _, line := range ext[1:] {
		if strings.EqualFold(strings.TrimSpace(line[min(4, len(line)):]), "STARTTLS") {
			offered = true
		}
	}
	if !offered {
		return banner, errors.New("server does not offer STARTTLS")
	}
	if err := l.writeLine("STARTTLS"); err != nil {
		return banner, err
	}
	_, err = l.readReply("220")
	return banner, err
}

// startIMAP: greeting "* OK", "a1 STARTTLS" answered "a1 OK".
func startIMAP(l *lineConn) (string, error) {
	banner, err := l.readLine()
	if err != nil {
		return banner, err
	}
	if !strings.HasPrefix(banner, "* OK") {
		return banner, fmt.Errorf("unexpected greeting %q", banner)
	}
	if err := l.writeLine("a1 STARTTLS"); err != nil {
		return banner, err
	}
	for {
		line, err := l.readLine()
		if err != nil {
			return banner, err
		}
		if strings.HasPrefix(line, "a1 ") {
			if !strings.HasPrefix(strings.ToUpper(line), "A1 OK") {
				return banner, fmt.Errorf("server replied %q", line)
			}
			return banner, nil
		}
	}
}

// startPOP3: greeting "+OK", STLS answered "+OK".
func startPOP3(l *lineConn) (string, error) {
	banner, err := l.readLine()
	if err != nil {
		return banner, err
	}
	if !strings.HasPrefix(banner, "+OK") {
		return banner, fmt.Errorf("unexpected greeting %q", banner)
	}
	if err := l.writeLine("STLS"); err != nil {
		return banner, err
	}
	line, err := l.readLine()
	if err == nil && !strings.HasPrefix(line, "+OK") {
		err = fmt.Errorf("server replied %q", line)
	}
	return banner, err
}

// startFTP: greeting 220, AUTH TLS answered 234.
func startFTP(l *lineConn) (string, error) {
	greet, err := l.readReply("220")
	banner := strings.Join(greet, "\n")
	if err != nil {
		return banner, err
	}
	if err := l.writeLine("AUTH TLS"); err != nil {
		return banner, err
	}
	_, err = l.readReply("234")
	return banner, err
}

// postgresSSLRequest is PostgreSQL's SSLRequest message: length 8, code
// 80877103.
var postgresSSLRequest = []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}

// startPostgres sends SSLRequest and expects 'S'.
func startPostgres(l *lineConn) (string, error) {
	if _, err := l.Conn.Write(postgresSSLRequest); err != nil {
		return "", err
	}
	b, err := l.r.ReadByte()
	if err != nil {
		return "", err
	}
	switch b {
	case 'S':
		return "", nil
	case 'N':
		return "", errors.New("server does not accept SSL (answered N)")
	}
	return "", fmt.Errorf("unexpected answer %q to SSLRequest", b)
}
