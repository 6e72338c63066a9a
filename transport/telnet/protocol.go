package telnet

// Telnet commands (RFC 854) and the options drover speaks.
const (
	cmdSE   = 240
	cmdNOP  = 241
	cmdDM   = 242
	cmdBRK  = 243
	cmdIP   = 244
	cmdAO   = 245
	cmdAYT  = 246
	cmdEC   = 247
	cmdEL   = 248
	cmdGA   = 249
	cmdSB   = 250
	cmdWILL = 251
	cmdWONT = 252
	cmdDO   = 253
	cmdDONT = 254
	cmdIAC  = 255

	optBinary = 0
	optEcho   = 1
	optSGA    = 3
	optTTYPE  = 24
	optNAWS   = 31

	ttypeIS   = 0
	ttypeSEND = 1

	// maxSubneg bounds a subnegotiation's data; the rest is dropped.
	maxSubneg = 1024
)

// decoder turns what a telnet server sends into data bytes. It answers
// option negotiation through its negotiator, whose replies collect in out for
// the caller to send. It keeps its state between calls, so a command split
// across reads is understood.
type decoder struct {
	state   decState
	verb    byte // WILL, WONT, DO or DONT awaiting its option
	sbOpt   byte
	sb      []byte
	afterCR bool
	neg     *negotiator
}

type decState uint8

const (
	stData  decState = iota
	stIAC            // after IAC
	stVerb           // after IAC WILL/WONT/DO/DONT
	stSBOpt          // after IAC SB
	stSB             // inside a subnegotiation
	stSBIAC          // IAC inside a subnegotiation
)

// decode appends the data bytes of in to dst and returns it.
func (d *decoder) decode(dst, in []byte) []byte {
	for _, c := range in {
		switch d.state {
		case stData:
			dst = d.data(dst, c)
		case stIAC:
			dst = d.command(dst, c)
		case stVerb:
			d.neg.received(d.verb, c)
			d.state = stData
		case stSBOpt:
			d.sbOpt, d.sb, d.state = c, d.sb[:0], stSB
		case stSB:
			if c == cmdIAC {
				d.state = stSBIAC
			} else if len(d.sb) < maxSubneg {
				d.sb = append(d.sb, c)
			}
		case stSBIAC:
			dst = d.subnegIAC(dst, c)
		}
	}
	return dst
}

// data handles a byte outside commands: CR NUL is a bare CR (but for
// binary), IAC starts a command.
func (d *decoder) data(dst []byte, c byte) []byte {
	if c == cmdIAC {
		d.state = stIAC
		return dst
	}
	wasCR := d.afterCR
	d.afterCR = c == '\r'
	if wasCR && c == 0 && !d.neg.binaryIn() {
		return dst
	}
	return append(dst, c)
}

// command handles the byte after IAC.
func (d *decoder) command(dst []byte, c byte) []byte {
	d.state = stData
	switch c {
	case cmdIAC:
		d.afterCR = false
		return append(dst, cmdIAC)
	case cmdWILL, cmdWONT, cmdDO, cmdDONT:
		d.verb, d.state = c, stVerb
	case cmdSB:
		d.state = stSBOpt
	}
	// NOP, DM, BRK, IP, AO, AYT, EC, EL, GA and a stray SE carry nothing
	// for a client that only reads.
	return dst
}

// subnegIAC handles the byte after IAC inside a subnegotiation: IAC IAC is
// a data 255, IAC SE ends it, anything else ends it and is a command.
func (d *decoder) subnegIAC(dst []byte, c byte) []byte {
	switch c {
	case cmdIAC:
		if len(d.sb) < maxSubneg {
			d.sb = append(d.sb, cmdIAC)
		}
		d.state = stSB
		return dst
	case cmdSE:
		d.state = stData
		d.neg.subnegotiation(d.sbOpt, d.sb)
		return dst
	}
	d.neg.subnegotiation(d.sbOpt, d.sb)
	return d.command(dst, c)
}

// encoder escapes data for the network virtual terminal: IAC doubled, a
// newline sent as CR LF and a bare CR as CR NUL. It keeps a CR that ended one
// call to see whether the next starts with LF.
type encoder struct {
	pendingCR bool
}

// encode appends p, escaped, to dst.
func (e *encoder) encode(dst, p []byte) []byte {
	for _, c := range p {
		if e.pendingCR {
			e.pendingCR = false
			if c == '\n' {
				dst = append(dst, '\n')
				continue
			}
			dst = append(dst, 0)
		}
		switch c {
		case cmdIAC:
			dst = append(dst, cmdIAC, cmdIAC)
		case '\r':
			dst = append(dst, '\r')
			e.pendingCR = true
		case '\n':
			dst = append(dst, '\r', '\n')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// escapeSubneg doubles IAC in subnegotiation data.
func escapeSubneg(dst, p []byte) []byte {
	for _, c := range p {
		dst = append(dst, c)
		if c == cmdIAC {
			dst = append(dst, cmdIAC)
		}
	}
	return dst
}
