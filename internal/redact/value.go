package redact

import (
	"reflect"
)

// Value returns a copy of v with secrets masked in every string it holds:
// strings, byte slices, map keys and values, slice and array elements,
// walked to any depth through interfaces and pointers. Other values
// (numbers, booleans, structs) are returned as they are. v itself is not
// changed.
func (r *Redactor) Value(v any) any {
	if r.matcher() == nil || v == nil {
		return v
	}
	switch x := v.(type) {
	case string:
		return r.String(x)
	case []byte:
		return []byte(r.String(string(x)))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.String(k)] = r.Value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.Value(e)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = r.String(e)
		}
		return out
	}
	return r.reflectValue(reflect.ValueOf(v)).Interface()
}

// reflectValue masks what Value's fast paths do not know.
func (r *Redactor) reflectValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		return reflect.ValueOf(r.String(v.String())).Convert(v.Type())
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		return r.reflectValue(v.Elem())
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(fit(r.reflectValue(v.Elem()), v.Type().Elem()))
		return p
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(fit(r.reflectValue(iter.Key()), v.Type().Key()), fit(r.reflectValue(iter.Value()), v.Type().Elem()))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return reflect.ValueOf(r.Bytes(append([]byte(nil), v.Bytes()...))).Convert(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(fit(r.reflectValue(v.Index(i)), v.Type().Elem()))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			out.Index(i).Set(fit(r.reflectValue(v.Index(i)), v.Type().Elem()))
		}
		return out
	}
	return v
}

// fit makes a masked value assignable to t again (an interface element
// unwrapped to its concrete value, a named string type).
func fit(v reflect.Value, t reflect.Type) reflect.Value {
	if !v.IsValid() {
		return reflect.Zero(t)
	}
	if v.Type().AssignableTo(t) {
		return v
	}
	return v.Convert(t)
}
