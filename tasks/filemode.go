package tasks

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// Unix permission bits as Ansible handles them: the nine rwx bits plus
// setuid, setgid and sticky, as a plain number (0o7777), not fs.FileMode.
const (
	permBits    = 0o7777
	execBits    = 0o111
	defaultPerm = 0o666
)

// unixPerm returns the permission bits of m as a Unix mode number (0o4755).
func unixPerm(m fs.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}

// fileModeOf turns a Unix mode number into the fs.FileMode that
// transport.Conn's Chmod, Mkdir and Put take.
func fileModeOf(p uint32) fs.FileMode {
	m := fs.FileMode(p & 0o777)
	if p&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if p&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if p&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// octalMode formats a mode as Ansible returns it for files: '0%03o'
// ("0644", "04755").
func octalMode(p uint32) string { return fmt.Sprintf("0%03o", p) }

// errModeForm is the failure of a mode that is neither octal nor symbolic.
var errModeForm = errors.New("mode must be in octal or symbolic form")

// resolveMode computes the mode a file ends with for a module's mode
// argument v, exactly as Ansible's set_mode_if_different does: an integer
// is taken as the mode itself (YAML's 0644 is 420, 644 is 0o1204), a string
// is octal ("0644", "644") or symbolic ("u=rw,g=r,o=r", "u+x", "a-w",
// "=r"), applied to the current mode cur of a file (isDir for the X
// permission). umask applies to symbolic modes without a who part, as
// chmod does.
func resolveMode(v any, cur uint32, isDir bool, umask uint32) (uint32, error) {
	switch x := v.(type) {
	case int:
		return uint32(x), nil
	case int64:
		return uint32(x), nil
	case uint64:
		return uint32(x), nil
	case float64:
		if x == math.Trunc(x) {
			return uint32(int64(x)), nil
		}
	}
	s, _ := ToStr(v)
	if n, ok := pyIntBase8(s); ok {
		return uint32(n), nil
	}
	m, err := symbolicMode(s, cur, isDir, umask)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errModeForm, err)
	}
	if m != m&permBits {
		return 0, fmt.Errorf("Invalid mode supplied, only permission info is allowed")
	}
	return m, nil
}

// pyIntBase8 is Python's int(s, 8): surrounding blanks, a sign, an
// optional 0o prefix and single underscores between digits.
func pyIntBase8(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O") {
		s = s[2:]
		if strings.HasPrefix(s, "_") {
			s = s[1:]
		}
	}
	if s == "" || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 8, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// symbolicMode applies a chmod-style symbolic mode ("u=rwx,g+r-w,o=",
// "a+X", "+t", "g=u") to the mode cur, with the rules of Ansible's
// _symbolic_mode_to_octal (which follow chmod(1)).
func symbolicMode(sym string, cur uint32, isDir bool, umask uint32) (uint32, error) {
	mode := cur & permBits
	for _, clause := range strings.Split(sym, ",") {
		opIdx := strings.IndexAny(clause, "+-=")
		users := clause
		if opIdx >= 0 {
			users = clause[:opIdx]
		}
		useUmask := users == ""
		if users == "a" || users == "" {
			users = "ugo"
		}
		if !strings.ContainsRune("ugo", rune(users[0])) {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", clause)
		}
		if opIdx < 0 {
			continue
		}
		if strings.Trim(users, "ugo") != "" {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", clause)
		}
		rest := clause[opIdx:]
		for rest != "" {
			op := rest[0]
			rest = rest[1:]
			end := strings.IndexAny(rest, "+-=")
			if end < 0 {
				end = len(rest)
			}
			perms := rest[:end]
			rest = rest[end:]
			if perms != "" && !strings.ContainsRune("rwxXstugo", rune(perms[0])) {
				return 0, fmt.Errorf("bad symbolic permission for mode: %s", clause)
			}
			for _, u := range users {
				apply, err := symbolicPerms(cur&permBits, byte(u), perms, isDir, useUmask, umask)
				if err != nil {
					return 0, err
				}
				mode = applyModeOp(byte(u), op, apply, mode)
			}
		}
	}
	return mode, nil
}

// symbolicPerms is the mode bits perms ("rwX", "u") mean for the user
// class u, as _get_octal_mode_from_symbolic_perms computes them: always
// from the file's mode before the whole symbolic mode (prev), X when a
// directory or already executable.
func symbolicPerms(prev uint32, u byte, perms string, isDir, useUmask bool, umask uint32) (uint32, error) {
	revUmask := umask ^ permBits
	applyX := isDir || prev&execBits != 0
	shift := map[byte]uint{'u': 6, 'g': 3, 'o': 0}[u]
	var out uint32
	for i := 0; i < len(perms); i++ {
		var bit uint32
		switch perms[i] {
		case 'r', 'w', 'x':
			bit = map[byte]uint32{'r': 4, 'w': 2, 'x': 1}[perms[i]] << shift
			if useUmask {
				bit &= revUmask
			}
		case 'X':
			if applyX {
				bit = 1 << shift
			}
		case 's':
			bit = map[byte]uint32{'u': 0o4000, 'g': 0o2000}[u]
		case 't':
			if u == 'o' {
				bit = 0o1000
			}
		case 'u', 'g', 'o':
			from := map[byte]uint{'u': 6, 'g': 3, 'o': 0}[perms[i]]
			bits := (prev >> from) & 7
			bit = bits << shift
		default:
			return 0, fmt.Errorf("bad symbolic permission %q", perms[i])
		}
		out |= bit
	}
	return out, nil
}

// applyModeOp applies one operator of a symbolic mode for user class u.
func applyModeOp(u, op byte, apply, cur uint32) uint32 {
	switch op {
	case '=':
		mask := map[byte]uint32{'u': 0o700 | 0o4000, 'g': 0o070 | 0o2000, 'o': 0o007 | 0o1000}[u]
		return (cur &^ mask) | apply
	case '+':
		return cur | apply
	}
	return cur &^ apply
}
