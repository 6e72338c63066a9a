package tasks

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

func init() {
	Register(&Spec{
		Name: "template",
		Args: append([]Arg{
			{Name: "src", Type: Path, Required: true},
			{Name: "dest", Type: Path, Required: true},
			{Name: "backup", Type: Bool, Default: false},
			{Name: "force", Type: Bool, Default: true},
			{Name: "validate", Type: Str},
			{Name: "follow", Type: Bool, Default: false},
			{Name: "newline_sequence", Type: Str, Default: "\n"},
			{Name: "trim_blocks", Type: Bool, Default: true},
			{Name: "lstrip_blocks", Type: Bool, Default: false},
			{Name: "variable_start_string", Type: Str},
			{Name: "variable_end_string", Type: Str},
			{Name: "block_start_string", Type: Str},
			{Name: "block_end_string", Type: Str},
			{Name: "comment_start_string", Type: Str},
			{Name: "comment_end_string", Type: Str},
			{Name: "output_encoding", Type: Str, Default: "utf-8"},
			{Name: "state", Type: Str},
		}, fileCommonArgs()...),
		Run: runTemplate,
	})
}

// newlineSequences are the newline_sequence values the template action
// takes, also written with backslash escapes ('\r\n').
var newlineSequences = map[string]string{"\n": "\n", "\r": "\r", "\r\n": "\r\n",
	`\n`: "\n", `\r`: "\r", `\r\n`: "\r\n"}

// templateOptions reads the template module's Jinja settings, rejecting
// what the template action rejects (and output encodings other than
// UTF-8, the only one drover writes).
func templateOptions(c *Call) (TemplateOptions, templateDelims, string) {
	var d templateDelims
	if c.Args.Has("state") {
		return TemplateOptions{}, d, "'state' cannot be specified on a template"
	}
	nl, ok := newlineSequences[c.Args.Str("newline_sequence")]
	if !ok {
		return TemplateOptions{}, d, "newline_sequence needs to be one of: \n, \r or \r\n"
	}
	if enc := strings.ToLower(strings.ReplaceAll(c.Args.Str("output_encoding"), "_", "-")); enc != "utf-8" && enc != "utf8" {
		return TemplateOptions{}, d, "output_encoding other than utf-8 is not supported by drover's template module"
	}
	d = templateDelims{
		{c.Args.Str("variable_start_string"), c.Args.Str("variable_end_string"), "{{", "}}"},
		{c.Args.Str("block_start_string"), c.Args.Str("block_end_string"), "{%", "%}"},
		{c.Args.Str("comment_start_string"), c.Args.Str("comment_end_string"), "{#", "#}"},
	}
	for i := range d {
		if d[i].start == "" {
			d[i].start = d[i].stdStart
		}
		if d[i].end == "" {
			d[i].end = d[i].stdEnd
		}
	}
	return TemplateOptions{TrimBlocks: c.Args.Bool("trim_blocks"), LstripBlocks: c.Args.Bool("lstrip_blocks"), NewlineSequence: nl}, d, ""
}

// templateDelim is one kind of Jinja tag: its delimiters as the task set
// them and Jinja's standard ones.
type templateDelim struct{ start, end, stdStart, stdEnd string }

// templateDelims are the variable, block and comment delimiters.
type templateDelims [3]templateDelim

func (d templateDelims) standard() bool {
	for _, x := range d {
		if x.start != x.stdStart || x.end != x.stdEnd {
			return false
		}
	}
	return true
}

// translate rewrites a template written with custom delimiters
// (variable_start_string, …) into standard Jinja: each custom tag gets the
// standard delimiters, and standard delimiters that are now plain text are
// escaped ({{ '{{' }}); raw blocks are kept verbatim. Line breaks are
// unchanged, so errors keep their line numbers.
func (d templateDelims) translate(src string) string {
	if d.standard() {
		return src
	}
	var pairs []string
	for _, x := range d {
		if x.start != x.stdStart {
			pairs = append(pairs, x.stdStart, "{{ '"+x.stdStart+"' }}")
		}
	}
	escape := strings.NewReplacer(pairs...)
	var b strings.Builder
	for len(src) > 0 {
		at, kind := d.next(src)
		if at < 0 {
			b.WriteString(escape.Replace(src))
			break
		}
		b.WriteString(escape.Replace(src[:at]))
		src = src[at+len(d[kind].start):]
		end := tagEnd(src, d[kind].end, kind != 2)
		if end < 0 {
			b.WriteString(d[kind].stdStart + src)
			break
		}
		inner := src[:end]
		src = src[end+len(d[kind].end):]
		b.WriteString(d[kind].stdStart + inner + d[kind].stdEnd)
		if kind == 1 && strings.Trim(inner, " \t-+") == "raw" {
			src = d.rawBody(&b, src)
		}
	}
	return b.String()
}

// next finds the first custom start delimiter in src: its offset (-1 for
// none) and kind (0 variable, 1 block, 2 comment).
func (d templateDelims) next(src string) (int, int) {
	at, kind := -1, 0
	for k, x := range d {
		if i := strings.Index(src, x.start); i >= 0 && (at < 0 || i < at || i == at && len(x.start) > len(d[kind].start)) {
			at, kind = i, k
		}
	}
	return at, kind
}

// rawBody copies a raw block's text verbatim up to its endraw tag, which
// it writes with the standard delimiters; it returns the rest of src.
func (d templateDelims) rawBody(b *strings.Builder, src string) string {
	bs, be := d[1].start, d[1].end
	for off := 0; ; {
		i := strings.Index(src[off:], bs)
		if i < 0 {
			b.WriteString(src)
			return ""
		}
		i += off
		rest := src[i+len(bs):]
		j := strings.Index(rest, be)
		if j >= 0 && strings.Trim(rest[:j], " \t-+") == "endraw" {
			b.WriteString(src[:i] + "{%" + rest[:j] + "%}")
			return rest[j+len(be):]
		}
		off = i + len(bs)
	}
}

// tagEnd finds end in src, skipping quoted strings in expressions.
func tagEnd(src, end string, expr bool) int {
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case expr && (c == '\'' || c == '"'):
			quote = c
		case strings.HasPrefix(src[i:], end):
			return i
		}
	}
	return -1
}

func runTemplate(ctx context.Context, c *Call) (*Result, error) {
	opts, delims, msg := templateOptions(c)
	if msg != "" {
		return Failf("%s", msg), nil
	}
	src := c.Args.Str("src")
	found, err := c.Find("templates", src)
	if err != nil {
		return Failf("%v", err), nil
	}
	text, _, failure := readSource(c, found, true)
	if failure != nil {
		return failure, nil
	}
	if !utf8.Valid(text) {
		return Failf("Template source files must be utf-8 encoded"), nil
	}
	dest, err := ExpandUser(ctx, c.Conn, c.Args.Str("dest"))
	if err != nil {
		return nil, err
	}
	out, err := render(c, found, delims.translate(string(text)), templateVars(src, found, dest), opts)
	if err != nil {
		return Failf("%s", templateErr(err)), nil
	}
	if m, ok := c.Args["mode"].(string); ok && m == "preserve" {
		if fi, err := os.Stat(found); err == nil {
			c.Args["mode"] = octalMode(unixPerm(fi.Mode()))
		}
	}
	source := copySource{content: []byte(out), rel: filepath.Base(found), header: found}
	return copyFiles(ctx, c, dest, "", copyTree{files: []copySource{source}})
}

// render renders with Call.RenderTemplate, or with Call.Render (the
// default Jinja settings) for callers that give only that.
func render(c *Call, name, text string, vars map[string]any, opts TemplateOptions) (string, error) {
	if c.RenderTemplate == nil {
		return c.Render(text, vars)
	}
	return c.RenderTemplate(name, text, vars, opts)
}

// templateErr words a rendering error as the template action does
// ("AnsibleError: ...").
func templateErr(err error) string {
	msg := err.Error()
	if _, name, ok := strings.Cut(msg, `: Could not load "`); ok {
		return "TemplateSyntaxError: Could not load \"" + name + "\n  line 0"
	}
	if strings.Contains(msg, "undefined") {
		return "AnsibleUndefinedVariable: " + msg
	}
	return "AnsibleError: " + msg
}

// templateVars are the template_* variables and ansible_managed that
// Ansible adds while rendering a template file.
func templateVars(src, full, dest string) map[string]any {
	host, _ := os.Hostname()
	vars := map[string]any{
		"template_host":     host,
		"template_path":     src,
		"template_fullpath": full,
		"template_destpath": dest,
		"template_run_date": pyDatetime(time.Now()),
		"ansible_managed":   "Ansible managed",
	}
	if fi, err := os.Stat(full); err == nil {
		vars["template_mtime"] = pyDatetime(fi.ModTime())
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid := strconv.Itoa(int(st.Uid))
			vars["template_uid"] = uid
			if u, err := user.LookupId(uid); err == nil {
				vars["template_uid"] = u.Username
			}
		}
	}
	return vars
}

// pyDatetime formats t as str(datetime) does.
func pyDatetime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05") + fmt.Sprintf(".%06d", t.Nanosecond()/1000)
}
