package jinja

import (
	"strconv"
	"strings"
	"time"
)

// Python's datetime.datetime and datetime.timedelta, as now() and
// to_datetime produce them: attributes (year, days, …), strftime,
// subtraction and comparison.

// dateTime is a naive datetime.datetime (Ansible's now() and to_datetime
// give naive values).
type dateTime struct{ t time.Time }

// timeDelta is a datetime.timedelta.
type timeDelta struct{ d time.Duration }

func (d dateTime) String() string {
	s := d.t.Format("2006-01-02 15:04:05")
	if us := d.t.Nanosecond() / 1000; us != 0 {
		s += "." + pad6(us)
	}
	return s
}

func pad6(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 6-len(s)) + s
}

func (d dateTime) repr() string {
	parts := []int{d.t.Year(), int(d.t.Month()), d.t.Day(), d.t.Hour(), d.t.Minute(), d.t.Second(), d.t.Nanosecond() / 1000}
	n := 7
	for n > 5 && parts[n-1] == 0 {
		n--
	}
	strs := make([]string, n)
	for i := range strs {
		strs[i] = strconv.Itoa(parts[i])
	}
	return "datetime.datetime(" + strings.Join(strs, ", ") + ")"
}

// parts splits a duration as Python's timedelta does: days may be
// negative, seconds and microseconds are not.
func (td timeDelta) parts() (days, secs, us int) {
	total := td.d.Microseconds()
	const day = 86400 * 1_000_000
	days = int(total / day)
	rem := total % day
	if rem < 0 {
		rem += day
		days--
	}
	return days, int(rem / 1_000_000), int(rem % 1_000_000)
}

func (td timeDelta) String() string {
	days, secs, us := td.parts()
	s := strconv.Itoa(secs/3600) + ":" + two(secs/60%60) + ":" + two(secs%60)
	if us != 0 {
		s += "." + pad6(us)
	}
	if days != 0 {
		unit := " days, "
		if days == 1 || days == -1 {
			unit = " day, "
		}
		s = strconv.Itoa(days) + unit + s
	}
	return s
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func (td timeDelta) repr() string {
	days, secs, us := td.parts()
	var parts []string
	if days != 0 {
		parts = append(parts, "days="+strconv.Itoa(days))
	}
	if secs != 0 {
		parts = append(parts, "seconds="+strconv.Itoa(secs))
	}
	if us != 0 {
		parts = append(parts, "microseconds="+strconv.Itoa(us))
	}
	if parts == nil {
		return "datetime.timedelta(0)"
	}
	return "datetime.timedelta(" + strings.Join(parts, ", ") + ")"
}

// dateAttr is an attribute or method of a datetime or timedelta.
func dateAttr(v any, name string) (any, bool) {
	switch x := v.(type) {
	case dateTime:
		t := x.t
		switch name {
		case "year":
			return t.Year(), true
		case "month":
			return int(t.Month()), true
		case "day":
			return t.Day(), true
		case "hour":
			return t.Hour(), true
		case "minute":
			return t.Minute(), true
		case "second":
			return t.Second(), true
		case "microsecond":
			return t.Nanosecond() / 1000, true
		case "strftime":
			return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
				if len(a.pos) != 1 {
					return nil, typeErrorf("strftime() takes exactly one argument")
				}
				return strftime(str(a.pos[0]), t, true), nil
			}}, true
		case "isoformat":
			return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
				sep := "T"
				if len(a.pos) > 0 {
					sep = str(a.pos[0])
				}
				return strings.Replace(x.String(), " ", sep, 1), nil
			}}, true
		case "timestamp":
			return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
				return float64(t.UnixMicro()) / 1e6, nil
			}}, true
		case "weekday", "isoweekday":
			return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
				wd := (int(t.Weekday()) + 6) % 7
				if name == "isoweekday" {
					wd++
				}
				return wd, nil
			}}, true
		}
	case timeDelta:
		days, secs, us := x.parts()
		switch name {
		case "days":
			return days, true
		case "seconds":
			return secs, true
		case "microseconds":
			return us, true
		case "total_seconds":
			return &callable{name: name, fn: func(s *state, a *argList) (any, error) {
				return float64(x.d.Microseconds()) / 1e6, nil
			}}, true
		}
	}
	return nil, false
}

// dateArith handles - and + between datetimes and timedeltas.
func dateArith(op string, a, b any) (any, bool) {
	switch x := a.(type) {
	case dateTime:
		switch y := b.(type) {
		case dateTime:
			if op == "-" {
				return timeDelta{x.t.Sub(y.t)}, true
			}
		case timeDelta:
			switch op {
			case "+":
				return dateTime{x.t.Add(y.d)}, true
			case "-":
				return dateTime{x.t.Add(-y.d)}, true
			}
		}
	case timeDelta:
		switch y := b.(type) {
		case timeDelta:
			switch op {
			case "+":
				return timeDelta{x.d + y.d}, true
			case "-":
				return timeDelta{x.d - y.d}, true
			}
		case dateTime:
			if op == "+" {
				return dateTime{y.t.Add(x.d)}, true
			}
		}
	}
	return nil, false
}

// dateCompare orders two datetimes or two timedeltas.
func dateCompare(a, b any) (int, bool) {
	switch x := a.(type) {
	case dateTime:
		if y, ok := b.(dateTime); ok {
			return x.t.Compare(y.t), true
		}
	case timeDelta:
		if y, ok := b.(timeDelta); ok {
			return cmpInt(int(x.d), int(y.d)), true
		}
	}
	return 0, false
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

// strptime parses s with Python's strptime directives into a naive time.
func strptime(s, f string) (time.Time, error) {
	year, month, day, hour, minute, sec, us := 1900, 1, 1, 0, 0, 0, 0
	pm, has12 := false, false
	offset, hasOffset := 0, false
	fail := func() (time.Time, error) {
		return time.Time{}, runtimeErrorf("time data does not match format %s", repr(f))
	}
	num := func(i *int, max int) (int, bool) {
		j := *i
		for j < len(s) && j-*i < max && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == *i {
			return 0, false
		}
		n, _ := strconv.Atoi(s[*i:j])
		*i = j
		return n, true
	}
	i := 0
	for k := 0; k < len(f); k++ {
		if f[k] != '%' || k+1 >= len(f) {
			if f[k] == ' ' {
				for i < len(s) && s[i] == ' ' {
					i++
				}
				continue
			}
			if i >= len(s) || s[i] != f[k] {
				return fail()
			}
			i++
			continue
		}
		k++
		var ok bool
		switch f[k] {
		case 'Y':
			year, ok = num(&i, 4)
		case 'y':
			var y int
			if y, ok = num(&i, 2); ok {
				year = 1900 + y
				if y < 69 {
					year = 2000 + y
				}
			}
		case 'm':
			month, ok = num(&i, 2)
		case 'd':
			day, ok = num(&i, 2)
		case 'H':
			hour, ok = num(&i, 2)
		case 'I':
			hour, ok = num(&i, 2)
			has12 = true
		case 'M':
			minute, ok = num(&i, 2)
		case 'S':
			sec, ok = num(&i, 2)
		case 'f':
			start := i
			if us, ok = num(&i, 6); ok {
				for n := i - start; n < 6; n++ {
					us *= 10
				}
			}
		case 'j':
			var yd int
			if yd, ok = num(&i, 3); ok {
				month, day = 1, yd
			}
		case 'p':
			rest := strings.ToLower(s[i:])
			switch {
			case strings.HasPrefix(rest, "am"):
				ok = true
			case strings.HasPrefix(rest, "pm"):
				ok, pm = true, true
			}
			i += 2
		case 'b', 'B':
			rest := strings.ToLower(s[i:])
			for mi, name := range monthNames {
				if f[k] == 'B' && strings.HasPrefix(rest, name) {
					month, ok = mi+1, true
					i += len(name)
					break
				}
				if f[k] == 'b' && strings.HasPrefix(rest, name[:3]) {
					month, ok = mi+1, true
					i += 3
					break
				}
			}
		case 'z':
			if i < len(s) && (s[i] == '+' || s[i] == '-') {
				sign := 1
				if s[i] == '-' {
					sign = -1
				}
				i++
				var hh, mm int
				if hh, ok = num(&i, 2); ok {
					if i < len(s) && s[i] == ':' {
						i++
					}
					mm, ok = num(&i, 2)
				}
				offset, hasOffset = sign*(hh*3600+mm*60), true
			} else if i < len(s) && s[i] == 'Z' {
				i++
				ok, hasOffset = true, true
			}
		case '%':
			ok = i < len(s) && s[i] == '%'
			i++
		}
		if !ok {
			return fail()
		}
	}
	if i != len(s) {
		return fail()
	}
	if has12 {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 61 {
		return fail()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, us*1000, time.UTC)
	if t.Month() != time.Month(month) && month != 1 {
		return fail()
	}
	if hasOffset {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, nil
}

func fToDatetime(s *state, v any, a *argList) (any, error) {
	b, err := a.bind("to_datetime", "format")
	if err != nil {
		return nil, err
	}
	f := "%Y-%m-%d %H:%M:%S"
	if fs, ok := b[0].(string); ok {
		f = fs
	}
	t, err := strptime(str(v), f)
	if err != nil {
		return nil, err
	}
	return dateTime{t}, nil
}
