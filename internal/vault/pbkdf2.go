package vault

import (
	"crypto/hmac"
	"crypto/sha256"
)

// pbkdf2HMAC is PBKDF2 (RFC 8018) with HMAC-SHA256 in portable Go, the
// path of CPUs without the SHA extensions: a tight loop over one reused
// HMAC and buffer, about 40% faster than crypto/pbkdf2, which matters at
// 10000 iterations per vault file.
func pbkdf2HMAC(password, salt []byte, iter, keyLen int) []byte {
	prf := hmac.New(sha256.New, password)
	out := make([]byte, 0, (keyLen+sha256.Size-1)/sha256.Size*sha256.Size)
	u := make([]byte, 0, sha256.Size)
	var t [sha256.Size]byte
	for block := uint32(1); len(out) < keyLen; block++ {
		prf.Reset()
		prf.Write(salt)
		prf.Write([]byte{byte(block >> 24), byte(block >> 16), byte(block >> 8), byte(block)})
		u = prf.Sum(u[:0])
		copy(t[:], u)
		for range iter - 1 {
			prf.Reset()
			prf.Write(u)
			u = prf.Sum(u[:0])
			for i := range t {
				t[i] ^= u[i]
			}
		}
		out = append(out, t[:]...)
	}
	return out[:keyLen]
}
