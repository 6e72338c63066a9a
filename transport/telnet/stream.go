package telnet

import (
	"net"
	"sync"
)

// stream is a telnet connection seen as a byte stream: Read returns the data
// the server sent, having answered its negotiation; Write sends data escaped
// for the network virtual terminal.
type stream struct {
	conn net.Conn
	dec  decoder
	raw  []byte

	wmu sync.Mutex
	enc encoder
	buf []byte
}

// newStream starts the negotiation on conn with the client's offers.
func newStream(conn net.Conn, term string, cols, rows int) (*stream, error) {
	s := &stream{conn: conn, dec: decoder{neg: newNegotiator(term, cols, rows)}}
	s.dec.neg.offer()
	return s, s.flushReplies()
}

// Read returns data bytes; it reads again while a read held only commands.
func (s *stream) Read(p []byte) (int, error) {
	if len(s.raw) < len(p) {
		s.raw = make([]byte, len(p))
	}
	for {
		n, err := s.conn.Read(s.raw[:len(p)])
		out := s.dec.decode(p[:0], s.raw[:n])
		if ferr := s.flushReplies(); ferr != nil && err == nil {
			err = ferr
		}
		if len(out) > 0 || err != nil {
			return len(out), err
		}
	}
}

// flushReplies sends the negotiator's pending replies.
func (s *stream) flushReplies() error {
	out := s.dec.neg.take()
	if len(out) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.conn.Write(out)
	return err
}

// Write sends p as data.
func (s *stream) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.buf = s.enc.encode(s.buf[:0], p)
	if _, err := s.conn.Write(s.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// interrupt sends one Ctrl-C. Not also the telnet Interrupt Process
// command: telnetd turns that into a second Ctrl-C, whose SIGINT can reach
// the shell after its prompt is back and throw away the start of the next
// command line.
func (s *stream) interrupt() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.conn.Write([]byte{0x03})
	return err
}
