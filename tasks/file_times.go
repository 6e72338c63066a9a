package tasks

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/transport"
)

// timeSpec is one of modification_time/access_time: preserve, now, or a
// point in time.
type timeSpec struct {
	kind string // "preserve", "now" or "at"
	at   float64
}

type fileTimeArgs struct{ mtime, atime timeSpec }

// none reports whether both times are preserved.
func (t fileTimeArgs) none() bool { return t.mtime.kind == "preserve" && t.atime.kind == "preserve" }

// noTimes keeps both times.
func noTimes() fileTimeArgs {
	return fileTimeArgs{timeSpec{kind: "preserve"}, timeSpec{kind: "preserve"}}
}

// fileTimes reads modification_time and access_time with the file
// module's defaults for state (touch: now; others: preserve).
func fileTimes(c *Call, state string) (fileTimeArgs, *Result) {
	var t fileTimeArgs
	for _, x := range []struct {
		name string
		dst  *timeSpec
	}{{"modification_time", &t.mtime}, {"access_time", &t.atime}} {
		v := c.Args.Str(x.name)
		if !c.Args.Has(x.name) {
			v = "preserve"
			if state == "touch" {
				v = "now"
			}
		}
		switch v {
		case "preserve", "now":
			*x.dst = timeSpec{kind: v}
		default:
			format := c.Args.Str(x.name + "_format")
			tm, err := pyStrptime(v, format)
			if err != nil {
				return t, Failf("Error while obtaining timestamp for time %s using format %s: %v", v, format, err)
			}
			*x.dst = timeSpec{kind: "at", at: float64(tm.Unix())}
		}
	}
	return t, nil
}

// hostTimes reads a file's access and modification times with
// nanoseconds (the file operations only carry seconds).
func hostTimes(ctx context.Context, c *Call, p string) (atime, mtime float64, err error) {
	res, err := c.Conn.Run(ctx, transport.Command{Argv: []string{"stat", "-L", "-c", "%.9X %.9Y", "--", p}})
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(res.Stdout))
	if res.ExitCode != 0 || len(f) != 2 {
		return 0, 0, &AttrFailure{Msg: "Error while updating modification or access time: " + strings.TrimSpace(string(res.Stderr))}
	}
	return pyTimestamp(f[0]), pyTimestamp(f[1]), nil
}

// pyTimestamp turns "SECONDS.NANOS" into the float Python's st_mtime is.
func pyTimestamp(s string) float64 {
	sec, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(sec, 10, 64)
	ns, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
	return float64(n) + float64(ns)*1e-9
}

func unixFloat(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())*1e-9
}

func floatTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// updateTimes is update_timestamp_for_file: it sets the times asked for
// and reports whether that changed the file (now always does).
func updateTimes(ctx context.Context, c *Call, p string, t fileTimeArgs, diff map[string]any) (bool, error) {
	if t.none() {
		return false, nil
	}
	var prevA, prevM, newA, newM float64
	if t.mtime.kind == "now" && t.atime.kind == "now" {
		fi, err := c.Conn.Stat(ctx, p)
		if err != nil {
			if hostErr(err) {
				return false, err
			}
			return false, &AttrFailure{Msg: "Error while updating modification or access time: " + describeErr(err)}
		}
		prevM = unixFloat(fi.ModTime)
		prevA = prevM
		newM = unixFloat(time.Now())
		newA = newM
	} else {
		var err error
		if prevA, prevM, err = hostTimes(ctx, c, p); err != nil {
			return false, err
		}
		newM, newA = pickTime(t.mtime, prevM), pickTime(t.atime, prevA)
		if newM == prevM && newA == prevA {
			return false, nil
		}
	}
	if !c.Check {
		if err := c.Conn.Chtimes(ctx, p, floatTime(newA), floatTime(newM)); err != nil {
			if hostErr(err) {
				return false, err
			}
			return false, &AttrFailure{Msg: "Error while updating modification or access time: " + describeErr(err)}
		}
	}
	if diff != nil {
		b, a := diff["before"].(map[string]any), diff["after"].(map[string]any)
		if newM != prevM {
			b["mtime"], a["mtime"] = prevM, newM
		}
		if newA != prevA {
			b["atime"], a["atime"] = prevA, newA
		}
	}
	return true, nil
}

func pickTime(s timeSpec, prev float64) float64 {
	switch s.kind {
	case "now":
		return unixFloat(time.Now())
	case "at":
		return s.at
	}
	return prev
}

// touchFile is state=touch: create the file when missing, then set its
// attributes and times.
func touchFile(ctx context.Context, c *Call, p, prev string, _ transport.FileInfo, fa FileArgs, follow bool, t fileTimeArgs) (*Result, error) {
	r := &Result{}
	r.Set("dest", p)
	created := false
	if prev == "absent" {
		if c.Check {
			r.Changed = true
			return r, nil
		}
		id, err := hostIdentity(ctx, c.Conn)
		if err != nil {
			return nil, err
		}
		if err := c.Conn.Put(ctx, p, strings.NewReader(""), transport.PutOptions{Mode: fileModeOf(defaultPerm &^ id.Umask)}); err != nil {
			if hostErr(err) {
				return nil, err
			}
			return Failf("Error, could not touch target: %s", describeErr(err)).Set("path", p), nil
		}
		created = true
	}
	diff := initialDiff(p, "touch", prev)
	target := p
	if follow && prev == "link" {
		if real, err := realPath(ctx, c.Conn, p); err == nil {
			target = real
		}
	}
	fi, err := c.Conn.Lstat(ctx, target)
	if err != nil {
		return nil, unreachableOnly(err)
	}
	ch, _, err := setAttrs(ctx, c, target, fa, stateOf(fi), diff)
	if err == nil {
		var tc bool
		tc, err = updateTimes(ctx, c, target, t, diff)
		ch = ch || tc
	}
	if err != nil {
		if created {
			_ = c.Conn.Remove(ctx, p)
		}
		return failAttr(err, p)
	}
	r.Changed = created || ch
	return setDiff(r, diff), nil
}

// pyStrptime parses value with a Python strptime format (the directives
// %Y %m %d %H %M %S %y %b %B %p %I %j %% and literal text), in local time
// as time.mktime reads it.
func pyStrptime(value, format string) (time.Time, error) {
	year, month, day, hour, minute, sec := 1900, 1, 1, 0, 0, 0
	pm, hour12 := -1, false
	v := value
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			if !strings.HasPrefix(v, format[i:i+1]) {
				return time.Time{}, fmt.Errorf("time data %s does not match format %s", PyRepr(value), PyRepr(format))
			}
			v = v[1:]
			continue
		}
		i++
		var err error
		switch format[i] {
		case 'Y':
			year, v, err = takeInt(v, 4)
		case 'y':
			year, v, err = takeInt(v, 2)
			year += 1900
			if year < 1969 {
				year += 100
			}
		case 'm':
			month, v, err = takeInt(v, 2)
		case 'd':
			day, v, err = takeInt(v, 2)
		case 'H':
			hour, v, err = takeInt(v, 2)
		case 'I':
			hour, v, err = takeInt(v, 2)
			hour12 = true
		case 'M':
			minute, v, err = takeInt(v, 2)
		case 'S':
			sec, v, err = takeInt(v, 2)
		case 'p':
			switch {
			case len(v) >= 2 && strings.EqualFold(v[:2], "am"):
				pm = 0
			case len(v) >= 2 && strings.EqualFold(v[:2], "pm"):
				pm = 1
			default:
				err = io.ErrUnexpectedEOF
			}
			if err == nil {
				v = v[2:]
			}
		case 'b', 'B':
			month, v, err = takeMonth(v)
		case '%':
			if !strings.HasPrefix(v, "%") {
				err = io.ErrUnexpectedEOF
			} else {
				v = v[1:]
			}
		default:
			err = fmt.Errorf("unsupported directive %%%c", format[i])
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("time data %s does not match format %s", PyRepr(value), PyRepr(format))
		}
	}
	if v != "" {
		return time.Time{}, fmt.Errorf("unconverted data remains: %s", v)
	}
	if hour12 && pm >= 0 {
		hour = hour%12 + 12*pm
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.Local), nil
}

func takeInt(v string, max int) (int, string, error) {
	n := 0
	for n < max && n < len(v) && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, v, io.ErrUnexpectedEOF
	}
	x, _ := strconv.Atoi(v[:n])
	return x, v[n:], nil
}

func takeMonth(v string) (int, string, error) {
	for m := time.January; m <= time.December; m++ {
		for _, name := range []string{m.String(), m.String()[:3]} {
			if len(v) >= len(name) && strings.EqualFold(v[:len(name)], name) {
				return int(m), v[len(name):], nil
			}
		}
	}
	return 0, v, io.ErrUnexpectedEOF
}
