package jinja

import (
	"math"
	"strings"
)

// truth is Python's bool(v); using an undefined value is an error.
func truth(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case string:
		return x != "", nil
	case []any:
		return len(x) > 0, nil
	case Tuple:
		return len(x) > 0, nil
	case *Dict:
		return x.Len() > 0, nil
	case map[string]any:
		return len(x) > 0, nil
	case Mapping:
		return len(x.Keys()) > 0, nil
	case *Undefined:
		return false, x.err()
	case *callable, *Namespace, *loopObj, dateTime:
		return true, nil
	case timeDelta:
		return x.d != 0, nil
	}
	switch n := norm(v).(type) {
	case nil, bool, int, float64, string, []any, Tuple, *Dict:
		return truth(n)
	}
	return true, nil
}

// numeric returns v as a number (bools count as ints, as in Python).
func numeric(v any) (i int, f float64, isFloat, ok bool) {
	switch x := v.(type) {
	case int:
		return x, 0, false, true
	case bool:
		if x {
			return 1, 0, false, true
		}
		return 0, 0, false, true
	case float64:
		return 0, x, true, true
	}
	return 0, 0, false, false
}

func asFloat(v any) (float64, bool) {
	i, f, isF, ok := numeric(v)
	if !ok {
		return 0, false
	}
	if isF {
		return f, true
	}
	return float64(i), true
}

// equal is Python's ==.
func equal(a, b any) bool {
	a, b = norm(a), norm(b)
	if ai, af, aF, ok := numeric(a); ok {
		bi, bf, bF, ok := numeric(b)
		if !ok {
			return false
		}
		if !aF && !bF {
			return ai == bi
		}
		if !aF {
			af = float64(ai)
		}
		if !bF {
			bf = float64(bi)
		}
		return af == bf
	}
	if c, ok := dateCompare(a, b); ok {
		return c == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && equalSlices(x, y)
	case Tuple:
		y, ok := b.(Tuple)
		return ok && equalSlices(x, y)
	case *Dict, map[string]any, Mapping:
		if !isMapping(b) {
			return false
		}
		ka, kb := mapKeys(a), mapKeys(b)
		if len(ka) != len(kb) {
			return false
		}
		for _, k := range ka {
			va, _ := mapGet(a, k)
			vb, ok := mapGet(b, k)
			if !ok || !equal(va, vb) {
				return false
			}
		}
		return true
	}
	return a == b
}

func equalSlices(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// compare orders a and b like Python's <, returning -1, 0 or 1.
func compare(a, b any) (int, error) {
	a, b = norm(a), norm(b)
	if c, ok := dateCompare(a, b); ok {
		return c, nil
	}
	if af, ok := asFloat(a); ok {
		if bf, ok := asFloat(b); ok {
			ai, _, aF, _ := numeric(a)
			bi, _, bF, _ := numeric(b)
			if !aF && !bF {
				return cmpInt(ai, bi), nil
			}
			switch {
			case af < bf:
				return -1, nil
			case af > bf:
				return 1, nil
			}
			return 0, nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			return compareSlices(x, y)
		}
	case Tuple:
		if y, ok := b.(Tuple); ok {
			return compareSlices(x, y)
		}
	}
	return 0, typeErrorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareSlices(a, b []any) (int, error) {
	for i := 0; i < len(a) && i < len(b); i++ {
		if equal(a[i], b[i]) {
			continue
		}
		return compare(a[i], b[i])
	}
	return cmpInt(len(a), len(b)), nil
}

// contains is Python's `item in container`.
func contains(container, item any) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := item.(string)
		if !ok {
			return false, typeErrorf("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(c, s), nil
	case []any:
		return sliceContains(c, item), nil
	case Tuple:
		return sliceContains(c, item), nil
	case *Dict, map[string]any, Mapping, *Namespace:
		_, ok := mapGet(c, item)
		return ok, nil
	case *Undefined:
		return false, c.err()
	}
	return false, typeErrorf("argument of type '%s' is not iterable", typeName(container))
}

func sliceContains(s []any, item any) bool {
	for _, e := range s {
		if equal(e, item) {
			return true
		}
	}
	return false
}

func unsupported(op string, a, b any) error {
	return typeErrorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(a), typeName(b))
}

// arith applies a binary arithmetic operator with Python semantics.
func arith(op string, a, b any) (any, error) {
	if u := firstUndefined(a, b); u != nil {
		return nil, u.err()
	}
	if v, ok := dateArith(op, a, b); ok {
		return v, nil
	}
	ai, af, aF, aok := numeric(a)
	bi, bf, bF, bok := numeric(b)
	if aok && bok {
		if !aF && !bF && op != "/" {
			return intArith(op, ai, bi)
		}
		if !aF {
			af = float64(ai)
		}
		if !bF {
			bf = float64(bi)
		}
		return floatArith(op, af, bf)
	}
	return seqArith(op, a, b)
}

func intArith(op string, a, b int) (any, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "//":
		if b == 0 {
			return nil, runtimeErrorf("integer division or modulo by zero")
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return q, nil
	case "%":
		if b == 0 {
			return nil, runtimeErrorf("integer division or modulo by zero")
		}
		m := a % b
		if m != 0 && ((m < 0) != (b < 0)) {
			m += b
		}
		return m, nil
	case "**":
		if b < 0 {
			return math.Pow(float64(a), float64(b)), nil
		}
		return intPow(a, b), nil
	}
	return nil, runtimeErrorf("unknown operator %s", op)
}

// intPow is a**b for b >= 0; results beyond 64 bits become floats.
func intPow(a, b int) any {
	r, base := 1, a
	for e := b; e > 0; e >>= 1 {
		if e&1 == 1 {
			if mulOverflows(r, base) {
				return math.Pow(float64(a), float64(b))
			}
			r *= base
		}
		if e > 1 {
			if mulOverflows(base, base) {
				return math.Pow(float64(a), float64(b))
			}
			base *= base
		}
	}
	return r
}

func mulOverflows(a, b int) bool {
	if a == 0 || b == 0 {
		return false
	}
	c := a * b
	return c/b != a || (a == -1 && b == math.MinInt) || (b == -1 && a == math.MinInt)
}

// clampWidth keeps padding widths within [0, maxRepeat].
func clampWidth(n int) int { return max(0, min(n, maxRepeat)) }

// maxRepeat bounds the size of "x" * n and [x] * n results.
const maxRepeat = 16 << 20

func floatArith(op string, a, b float64) (any, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		if b == 0 {
			return nil, runtimeErrorf("division by zero")
		}
		return a / b, nil
	case "//":
		if b == 0 {
			return nil, runtimeErrorf("float floor division by zero")
		}
		return math.Floor(a / b), nil
	case "%":
		if b == 0 {
			return nil, runtimeErrorf("float modulo")
		}
		m := math.Mod(a, b)
		if m != 0 && ((m < 0) != (b < 0)) {
			m += b
		}
		return m, nil
	case "**":
		return math.Pow(a, b), nil
	}
	return nil, runtimeErrorf("unknown operator %s", op)
}

// seqArith handles + and * on strings and sequences and % formatting.
func seqArith(op string, a, b any) (any, error) {
	switch op {
	case "+":
		switch x := a.(type) {
		case string:
			if y, ok := b.(string); ok {
				return x + y, nil
			}
			return nil, typeErrorf("can only concatenate str (not \"%s\") to str", typeName(b))
		case []any:
			if y, ok := b.([]any); ok {
				out := make([]any, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, typeErrorf("can only concatenate list (not \"%s\") to list", typeName(b))
		case Tuple:
			if y, ok := b.(Tuple); ok {
				out := make(Tuple, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, typeErrorf("can only concatenate tuple (not \"%s\") to tuple", typeName(b))
		}
	case "*":
		if n, _, isF, ok := numeric(b); ok && !isF {
			return repeat(a, n, op, b)
		}
		if n, _, isF, ok := numeric(a); ok && !isF {
			return repeat(b, n, op, a)
		}
	case "%":
		if s, ok := a.(string); ok {
			return percentFormat(s, b)
		}
	}
	return nil, unsupported(op, a, b)
}

func repeat(seq any, n int, op string, other any) (any, error) {
	if n < 0 {
		n = 0
	}
	if l, err := length(seq); err == nil && n > 0 && l > maxRepeat/n {
		return nil, runtimeErrorf("repetition result too large")
	}
	switch x := seq.(type) {
	case string:
		return strings.Repeat(x, n), nil
	case []any:
		out := make([]any, 0, len(x)*n)
		for i := 0; i < n; i++ {
			out = append(out, x...)
		}
		return out, nil
	case Tuple:
		out := make(Tuple, 0, len(x)*n)
		for i := 0; i < n; i++ {
			out = append(out, x...)
		}
		return out, nil
	}
	return nil, unsupported(op, seq, other)
}
