package vault

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestDecryptAll(t *testing.T) {
	kr := NewKeyring(Secret{ID: "dev", Password: []byte("all-pass")})
	rec := &recorder{}
	kr.SetRedactor(rec)
	var items []Item
	for i := range 40 {
		enc, err := kr.Encrypt(fmt.Appendf(nil, "secret_%d: value-%d\n", i, i), "dev")
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, Item{Name: fmt.Sprintf("group_vars/g%d.yml", i), Data: enc, Kind: Vars})
	}
	inline, _ := kr.Encrypt([]byte("inline-value"), "")
	items = append(items,
		Item{Name: "plain.yml", Data: []byte("a: b\n"), Kind: Vars},
		Item{Name: "x.yml:3", Data: append([]byte("\n    "), inline...), Kind: Inline},
	)
	res, err := kr.DecryptAll(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if want := fmt.Sprintf("secret_%d: value-%d\n", i, i); string(res[i].Plaintext) != want || !res[i].Encrypted || res[i].ID != "dev" {
			t.Errorf("item %d: %+v", i, res[i])
		}
		if !rec.has(fmt.Sprintf("value-%d", i)) {
			t.Errorf("value-%d not registered", i)
		}
	}
	if string(res[40].Plaintext) != "a: b\n" || res[40].Encrypted {
		t.Errorf("plain item: %+v", res[40])
	}
	if string(res[41].Plaintext) != "inline-value" || !rec.has("inline-value") {
		t.Errorf("inline item: %+v", res[41])
	}
}

func TestDecryptAllErrors(t *testing.T) {
	good := NewKeyring(Secret{Password: []byte("right")})
	enc, _ := good.Encrypt([]byte("x"), "")
	items := []Item{{Name: "a.yml", Data: []byte("plain")}, {Name: "b.yml", Data: enc}, {Name: "c.yml", Data: enc}}
	wrong := NewKeyring(Secret{Password: []byte("wrong")})
	res, err := wrong.DecryptAll(context.Background(), items)
	if !errors.Is(err, ErrHMAC) || err.Error() != "b.yml: vault: HMAC verification failed (wrong password?)" {
		t.Errorf("error %v, want b.yml's HMAC failure", err)
	}
	if res[0].Err != nil || res[1].Err == nil || res[2].Err == nil {
		t.Errorf("results %+v", res)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := good.DecryptAll(ctx, items); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
