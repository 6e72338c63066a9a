package jinja

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"math/big"
)

// pyRandom reproduces CPython's random.Random (MT19937) for seeded use, so
// `59 | random(seed=inventory_hostname)` gives the same number as Ansible.
type pyRandom struct {
	mt  [624]uint32
	idx int
}

func newPyRandom(seed any) *pyRandom {
	r := &pyRandom{}
	var n *big.Int
	switch s := seed.(type) {
	case int:
		n = big.NewInt(int64(s))
		n.Abs(n)
	case bool:
		n = big.NewInt(0)
		if s {
			n.SetInt64(1)
		}
	default:
		b := []byte(str(seed))
		sum := sha512.Sum512(b)
		n = new(big.Int).SetBytes(append(b, sum[:]...))
	}
	var key []uint32
	words := n.Bytes()
	for i := len(words); i > 0; i -= 4 {
		lo := max(i-4, 0)
		var w uint32
		for _, c := range words[lo:i] {
			w = w<<8 | uint32(c)
		}
		key = append(key, w)
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	r.initByArray(key)
	return r
}

func (r *pyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = 624
}

func (r *pyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(624, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= 624 {
			r.mt[0] = r.mt[623]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = 623; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= 624 {
			r.mt[0] = r.mt[623]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
}

func (r *pyRandom) uint32() uint32 {
	if r.idx >= 624 {
		for i := 0; i < 624; i++ {
			y := (r.mt[i] & 0x80000000) | (r.mt[(i+1)%624] & 0x7fffffff)
			v := r.mt[(i+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[i] = v
		}
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (r *pyRandom) getrandbits(k int) uint64 {
	if k <= 32 {
		return uint64(r.uint32() >> (32 - k))
	}
	lo := uint64(r.uint32())
	hi := uint64(r.uint32() >> (64 - k))
	return hi<<32 | lo
}

// below is Random._randbelow(n).
func (r *pyRandom) below(n int) int {
	if n <= 0 {
		return 0
	}
	k := 0
	for x := n; x > 0; x >>= 1 {
		k++
	}
	v := r.getrandbits(k)
	for v >= uint64(n) {
		v = r.getrandbits(k)
	}
	return int(v)
}

// systemBelow draws uniformly from [0, n) with the OS generator.
func systemBelow(n int) int {
	if n <= 0 {
		return 0
	}
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		var b [8]byte
		_, _ = rand.Read(b[:])
		return int(binary.LittleEndian.Uint64(b[:]) % uint64(n))
	}
	return int(v.Int64())
}

func fRandom(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("random", "start", "step", "seed")
	if err != nil {
		return nil, err
	}
	below := systemBelow
	if b[2] != missing && b[2] != nil {
		r := newPyRandom(b[2])
		below = r.below
	}
	switch end := v.(type) {
	case int:
		start, step := 0, 1
		if n, ok := b[0].(int); ok && n != 0 {
			start = n
		}
		if n, ok := b[1].(int); ok && n != 0 {
			step = n
		}
		width := end - start
		if step == 1 {
			if width <= 0 {
				return nil, runtimeErrorf("empty range for randrange() (%d, %d, %d)", start, end, width)
			}
			return start + below(width), nil
		}
		var cnt int
		if step > 0 {
			cnt = (width + step - 1) / step
		} else {
			cnt = (width + step + 1) / step
		}
		if cnt <= 0 {
			return nil, runtimeErrorf("empty range for randrange()")
		}
		return start + step*below(cnt), nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, runtimeErrorf("random can only be used on sequences and integers")
	}
	if (b[0] != missing && b[0] != nil) || (b[1] != missing && b[1] != nil) {
		return nil, runtimeErrorf("start and step can only be used with integer values")
	}
	if len(items) == 0 {
		return nil, runtimeErrorf("Cannot choose from an empty sequence")
	}
	return items[below(len(items))], nil
}

func fShuffle(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("shuffle", "seed")
	if err != nil {
		return nil, err
	}
	items, err := iterate(v)
	if err != nil {
		return v, nil
	}
	out := append([]any{}, items...)
	below := systemBelow
	if t, _ := truth(b[0]); b[0] != missing && t {
		below = newPyRandom(b[0]).below
	}
	for i := len(out) - 1; i > 0; i-- {
		j := below(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
