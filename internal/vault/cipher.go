package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"sync"
	"sync/atomic"
)

// Key derivation parameters of the AES256 vault cipher.
const (
	iterations = 10000
	saltLen    = 32
	keyLen     = 32
	ivLen      = aes.BlockSize
	derivedLen = 2*keyLen + ivLen
)

// keys is the key material derived from one password and one salt.
type keys struct {
	aesKey  []byte
	hmacKey []byte
	iv      []byte
}

// cacheEntry derives its keys once, however many goroutines ask at once.
type cacheEntry struct {
	once sync.Once
	keys keys
	err  error
}

// keyCache maps (password, salt) to its derived keys for the life of the
// process, so each distinct pair pays for PBKDF2 once. The map key is a
// SHA-256 of the password followed by the salt: the password itself is not
// kept as a key.
var keyCache sync.Map

// deriveKeys returns the keys for password and salt, from the cache when
// they were derived before.
func deriveKeys(password, salt []byte) (keys, error) {
	pwSum := sha256.Sum256(password)
	cacheKey := string(pwSum[:]) + string(salt)
	v, _ := keyCache.LoadOrStore(cacheKey, &cacheEntry{})
	e := v.(*cacheEntry)
	e.once.Do(func() { e.keys, e.err = derive(password, salt) })
	return e.keys, e.err
}

// derivations counts PBKDF2 runs, for tests of the cache.
var derivations atomic.Int64

// derive runs PBKDF2 for password and salt, without the cache.
func derive(password, salt []byte) (keys, error) {
	derivations.Add(1)
	dk := pbkdf2SHA256(password, salt, iterations, derivedLen)
	return keys{aesKey: dk[:keyLen], hmacKey: dk[keyLen : 2*keyLen], iv: dk[2*keyLen:]}, nil
}

// seal encrypts plaintext with password under a fresh random salt.
func seal(plaintext, password []byte) (*sealed, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("vault: random salt: %w", err)
	}
	return sealWithSalt(plaintext, password, salt)
}

// sealWithSalt encrypts plaintext with password and the given salt. A fresh
// salt never repeats, so its keys bypass the cache.
func sealWithSalt(plaintext, password, salt []byte) (*sealed, error) {
	k, err := derive(password, salt)
	if err != nil {
		return nil, err
	}
	padded := pad(plaintext)
	ct := make([]byte, len(padded))
	ctr(k).XORKeyStream(ct, padded)
	return &sealed{salt: salt, hmac: mac(k, ct), ciphertext: ct}, nil
}

// open checks the HMAC of s under password and decrypts it. A mismatch is
// ErrHMAC; the comparison takes constant time.
func open(s *sealed, password []byte) ([]byte, error) {
	k, err := deriveKeys(password, s.salt)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(mac(k, s.ciphertext), s.hmac) != 1 {
		return nil, ErrHMAC
	}
	padded := make([]byte, len(s.ciphertext))
	ctr(k).XORKeyStream(padded, s.ciphertext)
	return unpad(padded)
}

// ctr is the AES-256-CTR stream of k.
func ctr(k keys) cipher.Stream {
	block, err := aes.NewCipher(k.aesKey)
	if err != nil {
		panic("vault: AES-256 key of wrong length") // keyLen is a constant 32
	}
	return cipher.NewCTR(block, k.iv)
}

// mac is the HMAC-SHA256 of ciphertext under the HMAC key of k.
func mac(k keys, ciphertext []byte) []byte {
	h := hmac.New(sha256.New, k.hmacKey)
	h.Write(ciphertext)
	return h.Sum(nil)
}

// pad appends PKCS#7 padding to the AES block size; a whole block of
// padding when the length is already a multiple, as Ansible pads.
func pad(b []byte) []byte {
	n := aes.BlockSize - len(b)%aes.BlockSize
	out := make([]byte, len(b)+n)
	copy(out, b)
	for i := len(b); i < len(out); i++ {
		out[i] = byte(n)
	}
	return out
}

// unpad removes and checks PKCS#7 padding.
func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext length %d is not a multiple of the AES block size", ErrFormat, len(b))
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, fmt.Errorf("%w: invalid padding", ErrFormat)
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, fmt.Errorf("%w: invalid padding", ErrFormat)
		}
	}
	return b[:len(b)-n], nil
}
