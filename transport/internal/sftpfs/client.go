// Package sftpfs is the file half of a transport.Conn over an SFTP
// client: Put, Get, Checksum, Stat and the other file operations, written
// once for every transport that reaches files through SFTP (the ssh
// transport's subsystem and the become wrapper's sftp-server run as
// another user). A transport gives an FS its client and says how its
// failures look; the FS does the rest.
package sftpfs

import (
	"encoding/binary"
	"io"
	"sync"

	"github.com/pkg/sftp"
)

// MaxData is the most file data one SFTP read or write request carries:
// with its header it fits a quarter of an SSH channel packet (32 KiB for
// OpenSSH), so that each request and each answer is one packet. Not a
// whole one: an SSH connection keeps, as long as it lives, two buffers the
// size of the largest packet it sent (its channel's and its cipher's), and
// with a thousand hosts each KiB of them is 2 MiB.
const MaxData = 8<<10 - 64

// maxInFlight is the most requests reading or writing one file has in
// flight: 2 MiB.
const maxInFlight = 256

// NewClient starts an SFTP client speaking over r and w, its requests
// written whole (see packetWriter), up to maxInFlight in flight per file.
func NewClient(r io.Reader, w io.WriteCloser) (*sftp.Client, error) {
	return sftp.NewClientPipe(r, &packetWriter{w: w}, sftp.UseConcurrentWrites(true),
		sftp.UseConcurrentReads(true), sftp.MaxConcurrentRequestsPerFile(maxInFlight), sftp.MaxPacket(MaxData))
}

// packetWriter hands each SFTP packet to w in one Write, and creates every
// new file private. The SFTP client writes a request's header and its data
// separately, and every Write to a channel is an SSH packet (and a system
// call) of its own.
type packetWriter struct {
	w   io.WriteCloser
	buf *[]byte // the packet being assembled; nil between packets
}

// packetBufs are the buffers packets are assembled in, shared by all
// connections: a packet is assembled only while its request is sent.
var packetBufs = sync.Pool{New: func() any { b := make([]byte, 0, MaxData+64); return &b }}

func (p *packetWriter) Write(b []byte) (int, error) {
	if p.buf == nil && packetLen(b) == len(b) {
		_, err := p.w.Write(private(b))
		return len(b), err
	}
	if p.buf == nil {
		p.buf = packetBufs.Get().(*[]byte)
	}
	*p.buf = append(*p.buf, b...)
	for n := packetLen(*p.buf); n > 0 && n <= len(*p.buf); n = packetLen(*p.buf) {
		if _, err := p.w.Write(private((*p.buf)[:n])); err != nil {
			return 0, err
		}
		*p.buf = append((*p.buf)[:0], (*p.buf)[n:]...)
	}
	if len(*p.buf) == 0 {
		packetBufs.Put(p.buf)
		p.buf = nil
	}
	return len(b), nil
}

func (p *packetWriter) Close() error { return p.w.Close() }

// packetLen is the length of the SFTP packet b starts with (its uint32
// length and the bytes it counts); 0 when b is too short to say.
func packetLen(b []byte) int {
	if len(b) < 4 {
		return 0
	}
	return 4 + int(binary.BigEndian.Uint32(b))
}

// SFTP protocol numbers private needs (draft-ietf-secsh-filexfer-02).
const (
	fxpOpen        = 3
	fxfCreat       = 0x08
	fxAttrPerms    = 0x04
	privateCreate  = 0o600
	openFixedBytes = 4 + 1 + 4 + 4 // length, type, id, path length
)

// private returns the SFTP packet pkt, except that an open request that
// may create a file and carries no attributes asks for permissions 0600:
// the server then creates the file readable by its owner only, before a
// byte of it is written (OpenSSH's sftp-server passes them to open(2)).
// github.com/pkg/sftp has no way to give an open its attributes, and Put
// must not leave another user a moment to open a temporary file that will
// hold a secret.
func private(pkt []byte) []byte {
	if len(pkt) < openFixedBytes || pkt[4] != fxpOpen {
		return pkt
	}
	pathEnd := openFixedBytes + int(binary.BigEndian.Uint32(pkt[9:13]))
	if pathEnd < openFixedBytes || len(pkt) != pathEnd+8 {
		return pkt
	}
	pflags := binary.BigEndian.Uint32(pkt[pathEnd:])
	if pflags&fxfCreat == 0 || binary.BigEndian.Uint32(pkt[pathEnd+4:]) != 0 {
		return pkt
	}
	out := make([]byte, 0, len(pkt)+4)
	out = binary.BigEndian.AppendUint32(out, uint32(len(pkt))) // +4 bytes, less the length itself
	out = append(out, pkt[4:pathEnd+4]...)
	out = binary.BigEndian.AppendUint32(out, fxAttrPerms)
	return binary.BigEndian.AppendUint32(out, privateCreate)
}
