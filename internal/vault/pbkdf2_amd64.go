//go:build amd64 && !purego

package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// cpuid runs the CPUID instruction.
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// blockSHANI runs the SHA-256 compression function over each 64-byte
// block of p, updating the state h, with the SHA extensions.
//
//go:noescape
func blockSHANI(h *[8]uint32, p []byte)

// haveSHANI reports whether the CPU has the SHA extensions (and the SSSE3
// and SSE4.1 the block function also uses).
var haveSHANI = detectSHANI()

func detectSHANI() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	_, ebx7, _, _ := cpuid(7, 0)
	const ssse3, sse41, sha = 1 << 9, 1 << 19, 1 << 29
	return ecx1&ssse3 != 0 && ecx1&sse41 != 0 && ebx7&sha != 0
}

// pbkdf2SHA256 is PBKDF2-HMAC-SHA256; with the SHA extensions it runs the
// iterations on the compression function directly (see pbkdf2SHANI).
func pbkdf2SHA256(password, salt []byte, iter, keyLen int) []byte {
	if !haveSHANI {
		return pbkdf2HMAC(password, salt, iter, keyLen)
	}
	return pbkdf2SHANI(password, salt, iter, keyLen)
}

// sha256IV is the initial SHA-256 state.
var sha256IV = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// pbkdf2SHANI computes PBKDF2-HMAC-SHA256 with the HMAC written out: the
// key's inner and outer pad blocks are compressed once, and each iteration
// after the first is exactly two compressions of a one-block message (the
// previous 32-byte value and fixed SHA-256 padding), with no copying of
// hash objects in between. The output blocks are independent chains and
// advance in lockstep, so the CPU overlaps their compressions. The first
// iteration, whose message has the salt's length, uses crypto/hmac.
func pbkdf2SHANI(password, salt []byte, iter, keyLen int) []byte {
	ipad, opad := padStates(password)
	n := (keyLen + sha256.Size - 1) / sha256.Size
	msgs := make([][64]byte, n) // per chain: the 32-byte value, then padding for 64+32 bytes
	sums := make([][8]uint32, n)
	prf := hmac.New(sha256.New, password)
	for j := range n {
		prf.Reset()
		prf.Write(salt)
		prf.Write(binary.BigEndian.AppendUint32(nil, uint32(j+1)))
		copy(msgs[j][:32], prf.Sum(nil))
		msgs[j][32] = 0x80
		binary.BigEndian.PutUint64(msgs[j][56:], (64+32)*8)
		for k := range sums[j] {
			sums[j][k] = binary.BigEndian.Uint32(msgs[j][4*k:])
		}
	}
	states := make([][8]uint32, n)
	for range iter - 1 {
		for j := range n {
			states[j] = ipad
			blockSHANI(&states[j], msgs[j][:])
		}
		for j := range n {
			putWords(msgs[j][:32], &states[j])
			states[j] = opad
			blockSHANI(&states[j], msgs[j][:])
		}
		for j := range n {
			putWords(msgs[j][:32], &states[j])
			for k := range sums[j] {
				sums[j][k] ^= states[j][k]
			}
		}
	}
	out := make([]byte, 0, n*sha256.Size)
	for j := range n {
		for _, w := range sums[j] {
			out = binary.BigEndian.AppendUint32(out, w)
		}
	}
	return out[:keyLen]
}

// padStates returns the SHA-256 states after the HMAC inner and outer pad
// blocks of key.
func padStates(key []byte) (ipad, opad [8]uint32) {
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		key = sum[:]
	}
	var in, out [sha256.BlockSize]byte
	for i := range in {
		in[i], out[i] = 0x36, 0x5c
	}
	for i, c := range key {
		in[i] ^= c
		out[i] ^= c
	}
	ipad, opad = sha256IV, sha256IV
	blockSHANI(&ipad, in[:])
	blockSHANI(&opad, out[:])
	return ipad, opad
}

// putWords writes the state as 32 big-endian bytes.
func putWords(b []byte, st *[8]uint32) {
	for k, w := range st {
		binary.BigEndian.PutUint32(b[4*k:], w)
	}
}
