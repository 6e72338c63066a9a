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
		}, FileCommonArgs()...),
		Run: runTemplate,
	})
}

// templateOptionError rejects what the template action rejects, and the
// Jinja settings this build renders only with their defaults.
func templateOptionError(c *Call) string {
	nl := c.Args.Str("newline_sequence")
	switch {
	case c.Args.Has("state"):
		return "'state' cannot be specified on a template"
	case nl != "\n" && nl != `\n`:
		return "newline_sequence other than \\n is not supported by drover's template module"
	case !c.Args.Bool("trim_blocks") || c.Args.Bool("lstrip_blocks"):
		return "trim_blocks: false and lstrip_blocks: true are not supported by drover's template module"
	}
	for _, k := range []string{"variable_start_string", "variable_end_string", "block_start_string",
		"block_end_string", "comment_start_string", "comment_end_string"} {
		if c.Args.Has(k) {
			return k + " is not supported by drover's template module"
		}
	}
	if enc := strings.ToLower(strings.ReplaceAll(c.Args.Str("output_encoding"), "_", "-")); enc != "utf-8" && enc != "utf8" {
		return "output_encoding other than utf-8 is not supported by drover's template module"
	}
	return ""
}

func runTemplate(ctx context.Context, c *Call) (*Result, error) {
	if msg := templateOptionError(c); msg != "" {
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
	out, err := c.Render(string(text), templateVars(src, found, dest))
	if err != nil {
		return Failf("%s", templateErr(err)), nil
	}
	if m, ok := c.Args["mode"].(string); ok && m == "preserve" {
		if fi, err := os.Stat(found); err == nil {
			c.Args["mode"] = OctalMode(UnixPerm(fi.Mode()))
		}
	}
	source := copySource{content: []byte(out), rel: filepath.Base(found), header: found}
	return copyFiles(ctx, c, dest, "", copyTree{files: []copySource{source}})
}

// templateErr words a rendering error as the template action does
// ("AnsibleError: ...").
func templateErr(err error) string {
	msg := err.Error()
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
