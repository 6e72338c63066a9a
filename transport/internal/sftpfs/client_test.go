package sftpfs

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// openPacket is an SSH_FXP_OPEN request for p with pflags and the given
// attribute bytes, as github.com/pkg/sftp writes it.
func openPacket(p string, pflags uint32, attrs ...byte) []byte {
	b := []byte{0, 0, 0, 0, fxpOpen, 0, 0, 0, 7}
	b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
	b = append(b, p...)
	b = binary.BigEndian.AppendUint32(b, pflags)
	b = append(b, attrs...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// TestPrivate checks which requests private changes: only an open that
// may create a file and names no attributes, which then asks for 0600.
func TestPrivate(t *testing.T) {
	const write, creat, excl = 0x02, 0x08, 0x20
	noAttrs := []byte{0, 0, 0, 0}
	perms := []byte{0, 0, 0, fxAttrPerms, 0, 0, 1, 0xed}
	for _, tc := range []struct {
		name    string
		in      []byte
		private bool
	}{
		{"create", openPacket("/d/.f.drover-1", write|creat|excl, noAttrs...), true},
		{"open existing", openPacket("/d/f", write, noAttrs...), false},
		{"create with attributes", openPacket("/d/f", write|creat, perms...), false},
		{"stat", []byte{0, 0, 0, 9, 17, 0, 0, 0, 1, 0, 0, 0, 0}, false},
		{"short", []byte{0, 0, 0, 1, fxpOpen}, false},
		{"path longer than the packet", openPacket("/d/f", creat, noAttrs...)[:12], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := private(tc.in)
			if !tc.private {
				if !bytes.Equal(got, tc.in) {
					t.Errorf("changed %x to %x", tc.in, got)
				}
				return
			}
			want := openPacket("/d/.f.drover-1", write|creat|excl, 0, 0, 0, fxAttrPerms, 0, 0, 0x01, 0x80)
			if !bytes.Equal(got, want) {
				t.Errorf("got %x, want %x", got, want)
			}
		})
	}
}
