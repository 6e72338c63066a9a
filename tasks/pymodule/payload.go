package pymodule

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// payload is what is sent to run a module: for a Python module, a zip of
// the module and the module_utils it needs; for others, the module file.
type payload struct {
	style style
	// src is the module's source (with basic.py's old marker replaced).
	src []byte
	// id names the payload by its content; files maps each zip entry to
	// its content's hash, so an agent can tell when two payloads disagree
	// about a file.
	id    string
	zip   []byte
	files map[string]string
}

// payloadFor builds (once per module file, however many hosts ask at
// once) what running m needs.
func (f *Finder) payloadFor(m *Module) (*payload, error) {
	f.mu.Lock()
	b, ok := f.payloads[m.Path]
	if !ok {
		b = &building{}
		f.payloads[m.Path] = b
	}
	f.mu.Unlock()
	b.once.Do(func() { b.p, b.err = buildPayload(f, m) })
	return b.p, b.err
}

// building is a payload made once.
type building struct {
	once sync.Once
	p    *payload
	err  error
}

func buildPayload(f *Finder, m *Module) (*payload, error) {
	src, err := os.ReadFile(m.Path)
	if err != nil {
		return nil, err
	}
	p := &payload{}
	p.style, p.src = moduleStyle(src)
	if p.style == styleNew {
		if err := f.buildZip(m, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// buildZip gathers the module and its module_utils into p.zip.
func (f *Finder) buildZip(m *Module, p *payload) error {
	files, err := f.moduleUtils(m.pyName, p.src)
	if err != nil {
		return err
	}
	addModule(files, m.pyName, p.src)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	p.files = make(map[string]string, len(files))
	whole := sha256.New()
	for _, n := range names {
		sum := sha256.Sum256(files[n])
		p.files[n] = hex.EncodeToString(sum[:])
		fmt.Fprintf(whole, "%s\x00%x\x00", n, sum)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: fileStamp})
		if err != nil {
			return err
		}
		if _, err := w.Write(files[n]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	p.zip, p.id = buf.Bytes(), hex.EncodeToString(whole.Sum(nil))[:20]
	return nil
}

// addModule places the module at the path of its Python name, with empty
// package files above it (ansible/ and ansible/module_utils/ are the
// module_utils' own).
func addModule(files map[string][]byte, pyName string, src []byte) {
	parts := strings.Split(pyName, ".")
	files[strings.Join(parts, "/")+".py"] = src
	start := 1
	if parts[0] == "ansible" {
		start = 2
	}
	for i := start; i < len(parts); i++ {
		init := strings.Join(parts[:i], "/") + "/__init__.py"
		if _, ok := files[init]; !ok {
			files[init] = nil
		}
	}
}

// muWanted is a Python module name the payload may need.
type muWanted struct {
	name string
	// ambiguous: a from-import's last part may be a name inside the
	// module rather than a module; parentRedirected: an ancestor package
	// of a redirected module, which may exist nowhere.
	ambiguous, parentRedirected, optional bool
}

// muFound is a module_utils file that goes into the payload.
type muFound struct {
	name       string
	path       string // its place in the zip
	src        []byte
	pkg        bool
	redirected bool
}

// moduleUtils finds the module_utils a module needs, by reading its
// imports and theirs, as AnsiballZ does: every import of ansible.module_utils
// or of a collection's plugins.module_utils, ansible.module_utils.basic
// always, and every package above each. It returns zip paths and contents.
func (f *Finder) moduleUtils(pyName string, src []byte) (map[string][]byte, error) {
	have := map[string][]byte{
		"ansible/__init__.py":              f.ansibleInit(),
		"ansible/module_utils/__init__.py": []byte(extendPath),
	}
	done := map[string]bool{"ansible": true, "ansible.module_utils": true}
	queue := wantedImports(pyName, false, src, done)
	queue = append(queue, muWanted{name: "ansible.module_utils.basic"})
	for len(queue) > 0 {
		sort.Slice(queue, func(i, j int) bool { return queue[i].name < queue[j].name })
		w := queue[0]
		queue = queue[1:]
		if done[w.name] {
			continue
		}
		found, err := f.locate(w)
		if err != nil {
			return nil, err
		}
		if found == nil {
			if w.optional {
				continue
			}
			return nil, fmt.Errorf("Could not find imported module support code for %s.  Looked for (%s)", pyName, strings.Join(candidates(w), ", "))
		}
		if done[found.name] {
			continue
		}
		done[found.name] = true
		have[found.path] = found.src
		queue = append(queue, wantedImports(found.name, found.pkg, found.src, done)...)
		parts := strings.Split(found.name, ".")
		for i := 1; i < len(parts); i++ {
			if anc := strings.Join(parts[:i], "."); !done[anc] {
				queue = append(queue, muWanted{name: anc, parentRedirected: found.redirected, optional: w.optional})
			}
		}
	}
	return have, nil
}

// extendPath makes a package that other directories on sys.path extend.
const extendPath = "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n"

// ansibleInit is the ansible package's __init__ in a payload: a package
// others extend, with the controller's Ansible version.
func (f *Finder) ansibleInit() []byte {
	return []byte(extendPath + fmt.Sprintf("__version__ = %q\n__author__ = \"Ansible, Inc.\"\n", f.ansibleVersion()))
}

var versionRe = regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([^'"]+)['"]`)

// ansibleVersion is the installed ansible-core's version (what modules
// get as _ansible_version), "2.14.0" when it cannot be read.
func (f *Finder) ansibleVersion() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.version == "" {
		f.version = "2.14.0"
		if b, err := os.ReadFile(filepath.Join(f.cfg.AnsibleRoot, "release.py")); err == nil && f.cfg.AnsibleRoot != "" {
			if m := versionRe.FindSubmatch(b); m != nil {
				f.version = string(m[1])
			}
		}
	}
	return f.version
}

// wantedImports lists the module_utils imports of a file that is Python
// module name (a package when pkg).
func wantedImports(name string, pkg bool, src []byte, done map[string]bool) []muWanted {
	var out []muWanted
	for _, imp := range scanImports(src) {
		for _, mod := range imp.absoluteModules(name, pkg) {
			if !isModuleUtils(mod, imp.from) || done[mod] {
				continue
			}
			out = append(out, muWanted{name: mod, ambiguous: true, optional: imp.optional})
		}
	}
	return out
}

// isModuleUtils tells the imports AnsiballZ ships.
func isModuleUtils(mod string, from bool) bool {
	if strings.HasPrefix(mod, "ansible.module_utils.") {
		return true
	}
	if !strings.HasPrefix(mod, "ansible_collections.") {
		return false
	}
	return !from || strings.Contains(mod+".", ".plugins.module_utils.")
}

// candidates are the names tried for w: an ambiguous name more than one
// level below module_utils may be a name inside its parent module.
func candidates(w muWanted) []string {
	parts := strings.Split(w.name, ".")
	below := len(parts) - 2
	if parts[0] == "ansible_collections" {
		below = len(parts) - 5
	}
	if w.ambiguous && below > 1 {
		return []string{w.name, strings.Join(parts[:len(parts)-1], ".")}
	}
	return []string{w.name}
}
