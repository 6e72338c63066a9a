package tasks

import (
	"context"
	"strconv"
	"strings"

	"github.com/drover/drover/transport"
)

func init() {
	Register(&Spec{
		Name: "stat",
		Args: []Arg{
			{Name: "path", Aliases: []string{"dest", "name"}, Type: Path, Required: true},
			{Name: "follow", Type: Bool, Default: false},
			{Name: "get_md5", Type: Bool, Default: false},
			{Name: "get_checksum", Type: Bool, Default: true},
			{Name: "get_mime", Aliases: []string{"mime", "mime_type", "mime-type"}, Type: Bool, Default: true},
			{Name: "get_attributes", Aliases: []string{"attr", "attributes"}, Type: Bool, Default: true},
			{Name: "checksum_algorithm", Aliases: []string{"checksum", "checksum_algo"}, Type: Str, Default: "sha1",
				Choices: []string{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}},
		},
		Run: runStat,
	})
}

// statScript gathers everything the stat module returns in one command:
// stat(1) fields, access checks, link targets, checksums, file(1)'s mime
// type and lsattr's flags. Each answer is one "key=value" line.
const statScript = `p=$1 L=$2 algo=$3 md5=$4 mime=$5 attr=$6
out=$(stat $L -c '%f %u %g %s %i %d %h %.9X %.9Y %.9Z %b %o %t %T' -- "$p" 2>/dev/null) || exit 3
echo "st=$out"
echo "names=$(stat $L -c '%U/%G' -- "$p")"
[ -r "$p" ] && echo readable=1
[ -w "$p" ] && echo writeable=1
[ -x "$p" ] && echo executable=1
if [ -L "$p" ]; then echo "lnk_source=$(readlink -m -- "$p")"; echo "lnk_target=$(readlink -- "$p")"; fi
if [ -f "$p" ] && [ -r "$p" ] && { [ -n "$L" ] || [ ! -L "$p" ]; }; then
  [ -n "$algo" ] && echo "checksum=$(${algo}sum < "$p" | cut -d' ' -f1)"
  [ "$md5" = 1 ] && echo "md5=$(md5sum < "$p" | cut -d' ' -f1)"
fi
if [ "$mime" = 1 ] && command -v file >/dev/null 2>&1; then echo "mime=$(file --mime-type --mime-encoding -- "$p" 2>/dev/null)"; fi
if [ "$attr" = 1 ] && command -v lsattr >/dev/null 2>&1; then echo "attr=$(lsattr -vd -- "$p" 2>/dev/null)"; fi
exit 0`

// fileAttributeNames are lsattr's flags by name (format_attributes).
var fileAttributeNames = map[byte]string{'A': "noatime", 'a': "append", 'c': "compressed", 'C': "nocow", 'd': "nodump",
	'D': "dirsync", 'e': "extents", 'E': "encrypted", 'h': "blocksize", 'i': "immutable", 'I': "indexed",
	'j': "journalled", 'N': "inline", 's': "zero", 'S': "synchronous", 't': "notail", 'T': "blockroot",
	'u': "undelete", 'X': "compressedraw", 'Z': "compresseddirty"}

func runStat(ctx context.Context, c *Call) (*Result, error) {
	p, err := ExpandUser(ctx, c.Conn, c.Args.Str("path"))
	if err != nil {
		return nil, err
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	follow, algo := "", ""
	if c.Args.Bool("follow") {
		follow = "-L"
	}
	if c.Args.Bool("get_checksum") {
		algo = c.Args.Str("checksum_algorithm")
	}
	res, err := c.Conn.Run(ctx, transport.Command{Argv: []string{"sh", "-c", statScript, "stat", p, follow, algo,
		flag(c.Args.Bool("get_md5")), flag(c.Args.Bool("get_mime")), flag(c.Args.Bool("get_attributes"))}})
	if err != nil {
		return nil, err
	}
	if res.ExitCode == 3 {
		if _, serr := c.Conn.Lstat(ctx, p); serr != nil && isNotExist(serr) {
			return OK().Set("stat", map[string]any{"exists": false}), nil
		}
		return Failf("Permission denied"), nil
	}
	if res.ExitCode != 0 {
		return Failf("%s", strings.TrimSpace(string(res.Stderr))), nil
	}
	return OK().Set("stat", parseStat(p, string(res.Stdout), c)), nil
}

// parseStat builds the stat dictionary from the script's lines.
func parseStat(p, out string, c *Call) map[string]any {
	lines := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			lines[k] = v
		}
	}
	f := strings.Fields(lines["st"])
	for len(f) < 14 {
		f = append(f, "0")
	}
	rawMode, _ := strconv.ParseUint(f[0], 16, 32)
	mode := uint32(rawMode)
	st := map[string]any{"exists": true, "path": p, "mode": fourOctal(mode & permBits)}
	fmtBits := mode & 0o170000
	for k, v := range map[string]uint32{"isdir": 0o040000, "ischr": 0o020000, "isblk": 0o060000, "isreg": 0o100000,
		"isfifo": 0o010000, "islnk": 0o120000, "issock": 0o140000} {
		st[k] = fmtBits == v
	}
	atoi := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	st["uid"], st["gid"], st["size"] = atoi(f[1]), atoi(f[2]), atoi(f[3])
	st["inode"], st["dev"], st["nlink"] = atoi(f[4]), atoi(f[5]), atoi(f[6])
	st["atime"], st["mtime"], st["ctime"] = pyTimestamp(f[7]), pyTimestamp(f[8]), pyTimestamp(f[9])
	st["blocks"], st["block_size"] = atoi(f[10]), atoi(f[11])
	major, _ := strconv.ParseUint(f[12], 16, 64)
	minor, _ := strconv.ParseUint(f[13], 16, 64)
	st["device_type"] = int64(minor&0xff | (major&0xfff)<<8 | (minor&^0xff)<<12 | (major&^0xfff)<<32)
	for i, k := range []string{"xoth", "woth", "roth", "xgrp", "wgrp", "rgrp", "xusr", "wusr", "rusr"} {
		st[k] = mode&(1<<i) != 0
	}
	st["isuid"], st["isgid"] = mode&0o4000 != 0, mode&0o2000 != 0
	for _, k := range []string{"readable", "writeable", "executable"} {
		st[k] = lines[k] == "1"
	}
	for _, k := range []string{"lnk_source", "lnk_target", "checksum", "md5"} {
		if v, ok := lines[k]; ok {
			st[k] = v
		}
	}
	if u, g, ok := strings.Cut(lines["names"], "/"); ok {
		if u != "UNKNOWN" {
			st["pw_name"] = u
		}
		if g != "UNKNOWN" {
			st["gr_name"] = g
		}
	}
	statMime(st, lines, c)
	statAttrs(st, lines, c)
	return st
}

func fourOctal(p uint32) string { return strconv.FormatUint(uint64(p)|0o10000, 8)[1:] }

func statMime(st map[string]any, lines map[string]string, c *Call) {
	if !c.Args.Bool("get_mime") {
		return
	}
	st["mimetype"], st["charset"] = "unknown", "unknown"
	out, ok := lines["mime"]
	if i := strings.LastIndex(out, ":"); ok && i >= 0 {
		if typ, cs, ok := strings.Cut(out[i+1:], ";"); ok {
			st["mimetype"] = strings.TrimSpace(typ)
			if _, v, ok := strings.Cut(cs, "="); ok {
				st["charset"] = strings.TrimSpace(v)
			}
		}
	}
}

func statAttrs(st map[string]any, lines map[string]string, c *Call) {
	if !c.Args.Bool("get_attributes") {
		return
	}
	st["version"], st["attributes"], st["attr_flags"] = nil, []any{}, ""
	f := strings.Fields(lines["attr"])
	if len(f) < 2 {
		return
	}
	flags := strings.ReplaceAll(f[1], "-", "")
	names := []any{}
	for i := 0; i < len(flags); i++ {
		if n, ok := fileAttributeNames[flags[i]]; ok {
			names = append(names, n)
		}
	}
	st["version"], st["attr_flags"], st["attributes"] = f[0], flags, names
}
