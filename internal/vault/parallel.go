package vault

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Kind says what an Item holds, which decides what is registered for
// redaction (see Keyring).
type Kind int

// Kinds of Item.
const (
	Raw    Kind = iota // file content (copy or template source): nothing registered
	Vars               // a whole vaulted variables file: its values are registered
	Inline             // the text of an inline !vault value: the value is registered
)

// Item is one piece of data for DecryptAll.
type Item struct {
	Name string // file path or variable name, for errors
	Data []byte
	Kind Kind
}

// Result is what DecryptAll made of one Item.
type Result struct {
	Plaintext []byte // the plaintext; Data itself when it was not encrypted
	Encrypted bool   // the data was vault data
	ID        string // the vault id of the secret that opened it
	Err       error  // a *Error naming the item, or the context's error
}

// DecryptAll decrypts items in parallel, at most GOMAXPROCS at a time, and
// returns one Result per item in the same order. Items that are not vault
// data (for Inline, after leading white space) come back unchanged, so a
// loader can pass every file it reads. The error is that of the first
// failing item, or the context's error when it was cancelled.
func (k *Keyring) DecryptAll(ctx context.Context, items []Item) ([]Result, error) {
	results := make([]Result, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(items))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				if err := ctx.Err(); err != nil {
					results[i].Err = err
					continue
				}
				results[i] = k.decryptItem(items[i])
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.Err != nil {
			return results, r.Err
		}
	}
	return results, nil
}

// decryptItem decrypts one item according to its kind.
func (k *Keyring) decryptItem(it Item) Result {
	data := it.Data
	if it.Kind == Inline {
		data = trimLeadingSpace(data)
	}
	if !IsEncrypted(data) {
		return Result{Plaintext: it.Data}
	}
	plain, s, err := k.DecryptNamed(it.Name, data)
	if err != nil {
		return Result{Encrypted: true, Err: err}
	}
	if r := k.registrar(); r != nil {
		switch it.Kind {
		case Vars:
			registerVars(r, plain)
		case Inline:
			registerText(r, string(plain))
		}
	}
	return Result{Plaintext: plain, Encrypted: true, ID: s.ID}
}

// trimLeadingSpace drops the white space before an indented envelope.
func trimLeadingSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}
