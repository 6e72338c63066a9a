package vault

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
)

// pbkdf2Func is the signature every PBKDF2-HMAC-SHA256 implementation here
// has.
type pbkdf2Func func(password, salt []byte, iter, keyLen int) []byte

// pbkdf2Impls are the implementations TestPBKDF2MatchesStdlib checks; an
// architecture's test file adds its own.
var pbkdf2Impls = map[string]pbkdf2Func{
	"pbkdf2SHA256": pbkdf2SHA256,
	"pbkdf2HMAC":   pbkdf2HMAC,
}

// pbkdf2Case is one input of the PBKDF2 tests.
type pbkdf2Case struct {
	password, salt []byte
	iter, keyLen   int
}

// pbkdf2Cases crosses password lengths around the SHA-256 block size (a
// key longer than a block is hashed first), salt lengths, iteration counts
// and key lengths of one to four blocks, with random bytes from a fixed
// seed.
func pbkdf2Cases() []pbkdf2Case {
	rng := rand.New(rand.NewPCG(7, 11))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var cases []pbkdf2Case
	for _, pwLen := range []int{0, 1, 63, 64, 65, 200} {
		for _, saltLen := range []int{0, 32, 100} {
			for _, iter := range []int{1, 2, 3, 1025, 10000} {
				for _, keyLen := range []int{1, 32, 33, 80, 96, 100} {
					cases = append(cases, pbkdf2Case{random(pwLen), random(saltLen), iter, keyLen})
				}
			}
		}
	}
	return cases
}

func TestPBKDF2MatchesStdlib(t *testing.T) {
	for _, c := range pbkdf2Cases() {
		name := fmt.Sprintf("pw%d/salt%d/iter%d/key%d", len(c.password), len(c.salt), c.iter, c.keyLen)
		t.Run(name, func(t *testing.T) {
			want, err := pbkdf2.Key(sha256.New, string(c.password), c.salt, c.iter, c.keyLen)
			if err != nil {
				t.Fatal(err)
			}
			for implName, f := range pbkdf2Impls {
				if got := f(c.password, c.salt, c.iter, c.keyLen); !bytes.Equal(got, want) {
					t.Errorf("%s = %x, crypto/pbkdf2 = %x", implName, got, want)
				}
			}
		})
	}
}
