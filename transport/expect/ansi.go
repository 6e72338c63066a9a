package expect

// EscapeStripper removes terminal escape sequences from a byte stream: CSI
// (colours, cursor moves, bracketed-paste switches), OSC (window titles, ended
// by BEL or ST), DCS/SOS/PM/APC strings, and two- and three-byte ESC
// sequences. A sequence split across calls is still removed whole.
type EscapeStripper struct {
	state escState
}

type escState uint8

const (
	escNone   escState = iota
	escStart           // after ESC
	escInter           // ESC followed by intermediate bytes (charset selection)
	escCSI             // inside ESC [ ...
	escString          // inside OSC/DCS/SOS/PM/APC
	escStrEsc          // ESC seen inside a string (maybe ST)
)

// Strip appends p without escape sequences to dst and returns it.
func (e *EscapeStripper) Strip(dst, p []byte) []byte {
	for _, c := range p {
		switch e.state {
		case escNone:
			if c == 0x1b {
				e.state = escStart
				continue
			}
			dst = append(dst, c)
		case escStart:
			e.state = afterEsc(c)
		case escInter:
			if c < 0x20 || c > 0x2f {
				e.state = escNone
			}
		case escCSI:
			if c >= 0x40 && c <= 0x7e {
				e.state = escNone
			}
		case escString:
			switch c {
			case 0x07:
				e.state = escNone
			case 0x1b:
				e.state = escStrEsc
			}
		case escStrEsc:
			e.state = escString
			if c == '\\' {
				e.state = escNone
			}
		}
	}
	return dst
}

// afterEsc is the state after ESC c.
func afterEsc(c byte) escState {
	switch {
	case c == '[':
		return escCSI
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return escString
	case c >= 0x20 && c <= 0x2f:
		return escInter
	}
	return escNone
}

// StripEscapes returns s without terminal escape sequences.
func StripEscapes(s string) string {
	var e EscapeStripper
	return string(e.Strip(nil, []byte(s)))
}
