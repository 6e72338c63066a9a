//go:build amd64 && !purego

package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
)

// chains is how many PBKDF2 blocks hmacChains computes side by side.
const chains = 3

// chainStep is the most iterations one hmacChains call runs (about 0.2 ms):
// the runtime cannot preempt assembly, so a long derivation is cut into
// calls short enough not to hold up garbage collection.
const chainStep = 1024

// hasSHANI reports whether the CPU has the SHA extensions, SSSE3 and
// SSE4.1, which hmacChains needs.
var hasSHANI = detectSHANI()

// pbkdf2SHA256 is PBKDF2-HMAC-SHA256, on the SHA extensions when the CPU
// has them.
func pbkdf2SHA256(password, salt []byte, iter, keyLen int) []byte {
	if !hasSHANI {
		return pbkdf2HMAC(password, salt, iter, keyLen)
	}
	return pbkdf2SHANI(password, salt, iter, keyLen)
}

// pbkdf2SHANI is PBKDF2-HMAC-SHA256 computed by hmacChains, three blocks
// at a time; the last group is filled up with copies of its last block. It
// needs a CPU for which hasSHANI is true.
func pbkdf2SHANI(password, salt []byte, iter, keyLen int) []byte {
	pads, ok := newHMACPads(password)
	if !ok {
		return pbkdf2HMAC(password, salt, iter, keyLen)
	}
	prf := hmac.New(sha256.New, password)
	blocks := (keyLen + sha256.Size - 1) / sha256.Size
	out := make([]byte, 0, blocks*sha256.Size)
	sum := make([]byte, 0, sha256.Size)
	var u, t [chains][8]uint32
	for first := 1; first <= blocks; first += chains {
		for c := range u {
			sum = firstU(prf, salt, uint32(min(first+c, blocks)), sum)
			for w := range u[c] {
				u[c][w] = binary.BigEndian.Uint32(sum[4*w:])
			}
		}
		t = u
		for left := iter - 1; left > 0; left -= chainStep {
			hmacChains(&pads, &u, &t, min(left, chainStep))
		}
		for c := range min(chains, blocks-first+1) {
			for _, w := range t[c] {
				out = binary.BigEndian.AppendUint32(out, w)
			}
		}
	}
	return out[:keyLen]
}

// firstU is U1 of PBKDF2 block number block, HMAC(salt || block), written
// over buf.
func firstU(prf hash.Hash, salt []byte, block uint32, buf []byte) []byte {
	prf.Reset()
	prf.Write(salt)
	buf = binary.BigEndian.AppendUint32(buf[:0], block)
	prf.Write(buf)
	return prf.Sum(buf[:0])
}

// hmacPads is the SHA-256 state after HMAC's inner and after its outer key
// block, each word order {F, E, B, A, H, G, D, C}: the ABEF and CDGH
// vectors of the SHA extensions.
type hmacPads struct {
	inner, outer [8]uint32
}

// newHMACPads returns the pad states of HMAC-SHA256 keyed with key; false
// when crypto/sha256 does not expose its state in the known format.
func newHMACPads(key []byte) (hmacPads, bool) {
	var block [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		copy(block[:], sum[:])
	} else {
		copy(block[:], key)
	}
	inner, okInner := padState(&block, 0x36)
	outer, okOuter := padState(&block, 0x5c)
	return hmacPads{inner: inner, outer: outer}, okInner && okOuter
}

// padState is the SHA-256 state after hashing key XOR pad, in hmacPads'
// word order; false when the state cannot be read.
func padState(key *[sha256.BlockSize]byte, pad byte) ([8]uint32, bool) {
	var block [sha256.BlockSize]byte
	for i, b := range key {
		block[i] = b ^ pad
	}
	h := sha256.New()
	h.Write(block[:])
	st, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	// The marshaled state is "sha\x03", the eight state words big-endian,
	// the buffered block and the length.
	if err != nil || len(st) < 36 || string(st[:4]) != "sha\x03" {
		return [8]uint32{}, false
	}
	var s [8]uint32
	for i := range s {
		s[i] = binary.BigEndian.Uint32(st[4+4*i:])
	}
	return [8]uint32{s[5], s[4], s[1], s[0], s[7], s[6], s[3], s[2]}, true
}

// detectSHANI reports whether CPUID lists SHA (leaf 7, EBX bit 29), SSSE3
// and SSE4.1 (leaf 1, ECX bits 9 and 19).
func detectSHANI() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	_, ebx7, _, _ := cpuid(7, 0)
	return ecx1&(1<<9) != 0 && ecx1&(1<<19) != 0 && ebx7&(1<<29) != 0
}

// cpuid is the CPUID instruction for leaf and sub-leaf.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// hmacChains runs n more PBKDF2 iterations of chains blocks at once, with
// the HMAC key given by pads: u holds each block's last U (the digest read
// as big-endian words), every following U is XORed into t, and u is left
// holding the newest. n is at least 1.
//
//go:noescape
func hmacChains(pads *hmacPads, u, t *[chains][8]uint32, n int)
