package jinja

import (
	"strings"
	"time"
)

func registerGlobals(e *Env) {
	g := func(name string, fn func(s *state, a *argList) (any, error)) {
		e.setGlobal(name, &callable{name: name, fn: fn})
	}
	g("range", gRange)
	g("dict", gDict)
	g("namespace", func(s *state, a *argList) (any, error) {
		ns := &Namespace{d: NewDict(len(a.kw))}
		for _, p := range a.pos {
			if isMapping(p) {
				for _, k := range mapKeys(p) {
					v, _ := mapGet(p, k)
					ns.d.Set(k, v)
				}
			}
		}
		for _, kv := range a.kw {
			ns.d.Set(kv.name, kv.val)
		}
		return ns, nil
	})
	g("cycler", gCycler)
	g("joiner", func(s *state, a *argList) (any, error) {
		sep := ", "
		if len(a.pos) > 0 {
			sep = str(a.pos[0])
		}
		used := false
		return &callable{name: "joiner", fn: func(s *state, _ *argList) (any, error) {
			if !used {
				used = true
				return "", nil
			}
			return sep, nil
		}}, nil
	})
	g("now", func(s *state, a *argList) (any, error) {
		b, err := a.bind("now", "utc", "fmt")
		if err != nil {
			return nil, err
		}
		t := time.Now()
		if u, _ := b[0].(bool); u {
			t = t.UTC()
		}
		if f, ok := b[1].(string); ok {
			return strftime(f, t, true), nil
		}
		naive := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000*1000, time.UTC)
		return dateTime{naive}, nil
	})
	g("undef", func(s *state, a *argList) (any, error) {
		hint := "Mandatory variable has not been overridden"
		if len(a.pos) > 0 {
			hint = str(a.pos[0])
		}
		return &Undefined{hint: hint, obj: noObj, pos: -1}, nil
	})
}

func gRange(s *state, a *argList) (any, error) {
	var start, stop, step = 0, 0, 1
	ints := make([]int, len(a.pos))
	for i, p := range a.pos {
		n, ok := intKey(p)
		if !ok {
			return nil, typeErrorf("'%s' object cannot be interpreted as an integer", typeName(p))
		}
		ints[i] = n
	}
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return nil, typeErrorf("range expected 1 to 3 arguments, got %d", len(ints))
	}
	if step == 0 {
		return nil, runtimeErrorf("range() arg 3 must not be zero")
	}
	out := []any{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if len(out) > 1_000_000 {
			return nil, runtimeErrorf("range too big, maximum size for range is 100000")
		}
		out = append(out, i)
	}
	return out, nil
}

func gDict(s *state, a *argList) (any, error) {
	d := NewDict(len(a.kw))
	for _, p := range a.pos {
		if isMapping(p) {
			for _, k := range mapKeys(p) {
				v, _ := mapGet(p, k)
				d.Set(k, v)
			}
			continue
		}
		items, err := iterate(p)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			kv, ok := listOf(norm(it))
			if !ok || len(kv) != 2 {
				return nil, runtimeErrorf("dictionary update sequence element has length %d; 2 is required", len(kv))
			}
			d.Set(kv[0], kv[1])
		}
	}
	for _, kv := range a.kw {
		d.Set(kv.name, kv.val)
	}
	return d, nil
}

func gCycler(s *state, a *argList) (any, error) {
	items := a.pos
	pos := 0
	d := NewDict(3)
	next := &callable{name: "next", fn: func(s *state, _ *argList) (any, error) {
		if len(items) == 0 {
			return nil, nil
		}
		v := items[pos%len(items)]
		pos++
		d.Set("current", items[pos%len(items)])
		return v, nil
	}}
	reset := &callable{name: "reset", fn: func(s *state, _ *argList) (any, error) {
		pos = 0
		return nil, nil
	}}
	d.Set("next", next)
	d.Set("reset", reset)
	if len(items) > 0 {
		d.Set("current", items[0])
	}
	return d, nil
}

// strftime formats t with Python's strftime directives; %f (microseconds)
// only when micro is set (datetime.strftime has it, time.strftime not).
func strftime(f string, t time.Time, micro bool) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			b.WriteString(t.Format("2006"))
		case 'y':
			b.WriteString(t.Format("06"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'I':
			b.WriteString(t.Format("03"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'f':
			if micro {
				b.WriteString(t.Format(".000000")[1:])
			} else {
				b.WriteString("%f")
			}
		case 'p':
			b.WriteString(t.Format("PM"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'z':
			b.WriteString(t.Format("-0700"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 'j':
			b.WriteString(strings.Repeat("0", 3-len(str(t.YearDay()))) + str(t.YearDay()))
		case 's':
			b.WriteString(str(int(t.Unix())))
		case 'e':
			b.WriteString(t.Format("_2"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}
