package tasks

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/drover/drover/internal/pyini"
	"github.com/drover/drover/internal/yamlx"
)

// Local facts (ansible_local): the *.fact files of fact_path on the host,
// run when executable by their owner, else read, each read as JSON or else
// as INI, as Ansible's local fact collector does.

// localFactScript prints the section @@local for the fact directory $1:
// per file "f PATH", then "n" (cannot be stat'ed), "r" (read) or "x RC"
// (run), its output as "|"-prefixed lines, and "e" with the script's
// standard error when it wrote any (followed by a "." that keeps its last
// line breaks).
const localFactScript = `echo @@local
if [ -n "$1" ] && [ -e "$1" ]; then
  exec 3>&1
  for f in "$1"/*.fact; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    printf 'f %s\n' "$f"
    if [ ! -e "$f" ]; then echo n; continue; fi
    case $(ls -ldL "$f" 2>/dev/null) in
    ???[xs]*)
      e=$( { o=$("$f" 2>&4 4>&-); echo "x $?" >&3; printf '%s\n' "$o" | sed 's/^/|/' >&3; } 4>&1; printf . )
      [ "$e" = . ] || { echo e; printf '%s\n' "$e" | sed 's/^/|/'; };;
    *) echo r; sed 's/^/|/' "$f" 2>/dev/null; echo;;
    esac
  done
fi
`

// localFact is one fact file as the script reported it.
type localFact struct {
	path     string
	noStat   bool
	run      bool
	rc       string
	out, err []string
}

// parseLocalFacts reads the @@local section's lines.
func parseLocalFacts(lines []string) []*localFact {
	var out []*localFact
	var cur *localFact
	var dst *[]string
	for _, l := range lines {
		if cur == nil && !strings.HasPrefix(l, "f ") {
			continue
		}
		switch {
		case strings.HasPrefix(l, "|"):
			*dst = append(*dst, l[1:])
		case strings.HasPrefix(l, "f "):
			cur = &localFact{path: l[2:]}
			dst = &cur.out
			out = append(out, cur)
		case l == "n":
			cur.noStat = true
		case strings.HasPrefix(l, "x "):
			cur.run, cur.rc = true, l[2:]
		case l == "e":
			dst = &cur.err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// localFacts builds ansible_local from the files and returns the warnings
// Ansible gives for those it could not read.
func localFacts(files []*localFact) (map[string]any, []string) {
	local := map[string]any{}
	var warns []string
	for _, f := range files {
		name := strings.ReplaceAll(path.Base(f.path), ".fact", "")
		v, warn := f.value()
		local[name] = v
		if warn != "" {
			warns = append(warns, warn)
		}
	}
	return local, warns
}

// value is the fact a file gives, and the warning when it gives an error
// message instead.
func (f *localFact) value() (any, string) {
	switch {
	case f.noStat:
		msg := fmt.Sprintf("Could not stat fact (%s): [Errno 2] No such file or directory: '%s'", f.path, f.path)
		return msg, msg
	case f.run && f.rc != "0":
		stderr := strings.TrimSuffix(strings.Join(f.err, "\n"), ".")
		msg := fmt.Sprintf("Failure executing fact script (%s), rc: %s, err: %s", f.path, f.rc, stderr)
		return msg, msg
	}
	text := strings.Join(f.out, "\n")
	if !f.run {
		text = strings.TrimSpace(text)
	}
	if !utf8.ValidString(text) {
		msg := fmt.Sprintf("error loading fact - output of running \"%s\" was not utf-8", f.path)
		return msg, msg
	}
	if v, ok := jsonFact(text); ok {
		return v, ""
	}
	v, err := iniFact(text)
	if err != nil {
		msg := "error loading facts as JSON or ini - please check content: " + f.path
		return msg, msg
	}
	return v, ""
}

// jsonFact reads text as one JSON document.
func jsonFact(text string) (any, bool) {
	f, err := yamlx.ParseJSON("fact", []byte(text))
	if err != nil || len(f.Docs) != 1 {
		return nil, false
	}
	v, err := f.Value(f.Docs[0], yamlx.Options{})
	return v, err == nil
}

// iniFact reads text as configparser does: each section's options (over
// DEFAULT's), values interpolated.
func iniFact(text string) (map[string]any, error) {
	cp := pyini.New(false, false)
	if err := cp.Read(text); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, s := range cp.Sections() {
		items, err := cp.Items(s)
		if err != nil {
			return nil, err
		}
		sect := map[string]any{}
		for _, it := range items {
			sect[it[0].(string)] = it[1]
		}
		out[s] = sect
	}
	return out, nil
}
