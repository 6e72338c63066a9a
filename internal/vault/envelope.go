package vault

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
)

// Header is the first line of vault data.
const Header = "$ANSIBLE_VAULT"

// DefaultID is the vault id of secrets given without a label, and the id a
// 1.1 envelope (which names none) is taken to have.
const DefaultID = "default"

// lineWidth is the width of the hex lines of the envelope.
const lineWidth = 80

// envelope is vault data split into its header fields and its payload.
type envelope struct {
	version string
	cipher  string
	id      string // DefaultID when the header names none
	payload []byte // the outer hex text, line breaks removed
}

// IsEncrypted reports whether data is Ansible Vault data: ASCII text that
// starts with "$ANSIBLE_VAULT", as Ansible decides it.
func IsEncrypted(data []byte) bool {
	if !bytes.HasPrefix(data, []byte(Header)) {
		return false
	}
	for _, c := range data {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// parseEnvelope splits vault data into header fields and payload. Blank
// lines and whitespace around lines are ignored, so an indented block (an
// inline "!vault |" value copied with its indentation) parses too.
func parseEnvelope(data []byte) (*envelope, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var first int
	for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
		first++
	}
	if first == len(lines) {
		return nil, fmt.Errorf("%w: empty input", ErrFormat)
	}
	header := strings.Split(strings.TrimSpace(lines[first]), ";")
	if header[0] != Header {
		return nil, fmt.Errorf("%w: data does not start with %q", ErrFormat, Header)
	}
	if len(header) < 3 {
		return nil, fmt.Errorf("%w: header has %d fields, want at least 3", ErrFormat, len(header))
	}
	env := &envelope{
		version: strings.TrimSpace(header[1]),
		cipher:  strings.TrimSpace(header[2]),
		id:      DefaultID,
	}
	if len(header) >= 4 {
		env.id = strings.TrimSpace(header[3])
	}
	var payload bytes.Buffer
	for _, line := range lines[first+1:] {
		payload.WriteString(strings.TrimSpace(line))
	}
	env.payload = payload.Bytes()
	return env, nil
}

// formatEnvelope writes the header and the payload in 80-column lines, each
// line ending in a newline. A 1.2 header (naming id) is written when id is
// neither empty nor DefaultID, else a 1.1 header, as Ansible does.
func formatEnvelope(payload []byte, id string) []byte {
	var b bytes.Buffer
	b.Grow(len(payload) + len(payload)/lineWidth + 64)
	if id == "" || id == DefaultID {
		b.WriteString(Header + ";1.1;AES256\n")
	} else {
		b.WriteString(Header + ";1.2;AES256;" + id + "\n")
	}
	for i := 0; i < len(payload); i += lineWidth {
		b.Write(payload[i:min(i+lineWidth, len(payload))])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// sealed is the inner payload: salt, HMAC and ciphertext.
type sealed struct {
	salt       []byte
	hmac       []byte
	ciphertext []byte
}

// parsePayload undoes the doubled hexlify of the payload.
func parsePayload(payload []byte) (*sealed, error) {
	inner := make([]byte, hex.DecodedLen(len(payload)))
	if _, err := hex.Decode(inner, payload); err != nil {
		return nil, fmt.Errorf("%w: outer hex: %v", ErrFormat, err)
	}
	parts := bytes.SplitN(inner, []byte("\n"), 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: payload has %d parts, want salt, hmac and ciphertext", ErrFormat, len(parts))
	}
	s := &sealed{}
	var err error
	if s.salt, err = hex.DecodeString(string(parts[0])); err != nil {
		return nil, fmt.Errorf("%w: salt: %v", ErrFormat, err)
	}
	if s.hmac, err = hex.DecodeString(string(parts[1])); err != nil {
		return nil, fmt.Errorf("%w: hmac: %v", ErrFormat, err)
	}
	if s.ciphertext, err = hex.DecodeString(string(parts[2])); err != nil {
		return nil, fmt.Errorf("%w: ciphertext: %v", ErrFormat, err)
	}
	if len(s.salt) == 0 {
		return nil, fmt.Errorf("%w: empty salt", ErrFormat)
	}
	return s, nil
}

// formatPayload hexlifies salt, HMAC and ciphertext, joins them with
// newlines and hexlifies the result again.
func (s *sealed) formatPayload() []byte {
	inner := strings.Join([]string{
		hex.EncodeToString(s.salt), hex.EncodeToString(s.hmac), hex.EncodeToString(s.ciphertext),
	}, "\n")
	out := make([]byte, hex.EncodedLen(len(inner)))
	hex.Encode(out, []byte(inner))
	return out
}

// HeaderID returns the vault id the header of vault data names; DefaultID
// for a 1.1 envelope. Editing a file keeps this id, as Ansible does.
func HeaderID(data []byte) (string, error) {
	if !IsEncrypted(data) {
		return "", ErrNotEncrypted
	}
	env, err := parseEnvelope(data)
	if err != nil {
		return "", err
	}
	return env.id, nil
}
