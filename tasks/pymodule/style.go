package pymodule

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/drover/drover/internal/shlex"
)

// style is how a module is sent and called, as Ansible classifies modules.
type style int

const (
	// styleNew is a Python module using module_utils: sent with them as a
	// zip, its arguments given to AnsibleModule.
	styleNew style = iota
	// styleJSONArgs is a script whose <<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>
	// marker is replaced by the arguments.
	styleJSONArgs
	// styleWantJSON is a script saying WANT_JSON: it reads its arguments as
	// JSON from the file named by its first argument.
	styleWantJSON
	// styleOld is any other script: its arguments file holds key=value
	// words.
	styleOld
	// styleBinary is a compiled program reading a JSON arguments file.
	styleBinary
	// stylePowerShell is a Windows module, which drover does not run.
	stylePowerShell
)

// Markers Ansible looks for in module sources.
var (
	markerCommon   = []byte("#<<INCLUDE_ANSIBLE_MODULE_COMMON>>")
	markerJSONArgs = []byte("<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>")
	markerVersion  = []byte(`"<<ANSIBLE_VERSION>>"`)
	markerComplex  = []byte(`"<<INCLUDE_ANSIBLE_MODULE_COMPLEX_ARGS>>"`)
	markerSELinux  = []byte("<<SELINUX_SPECIAL_FILESYSTEMS>>")
	markerWindows  = []byte("# POWERSHELL_COMMON")
	// usesModuleUtils finds the imports that make a Python module new
	// style: ansible.module_utils, a collection's module_utils, or
	// module_utils by a relative import.
	usesModuleUtils = regexp.MustCompile(`from +\.\.+ *module_utils.* +import |` +
		`from +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.* +import |` +
		`import +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils|` +
		`from +ansible\.module_utils.* +import |import +ansible\.module_utils\.`)
	psRequires = regexp.MustCompile(`(?i)#Requires -Module|#Requires -Version|#AnsibleRequires -OSVersion|#AnsibleRequires -Powershell|#AnsibleRequires -CSharpUtil`)
)

// moduleStyle classifies a module's source; a module including
// basic.py's old marker gets the import in its place.
func moduleStyle(src []byte) (style, []byte) {
	switch {
	case isBinary(src):
		return styleBinary, src
	case bytes.Contains(src, markerCommon):
		return styleNew, bytes.ReplaceAll(src, markerCommon, []byte("from ansible.module_utils.basic import *"))
	case usesModuleUtils.Match(src):
		return styleNew, src
	case bytes.Contains(src, markerWindows) || psRequires.Match(src):
		return stylePowerShell, src
	case bytes.Contains(src, markerJSONArgs):
		return styleJSONArgs, src
	case bytes.Contains(src, []byte("WANT_JSON")):
		return styleWantJSON, src
	}
	return styleOld, src
}

// isBinary reports whether the first KiB holds bytes no text file has.
func isBinary(src []byte) bool {
	head := src[:min(len(src), 1024)]
	for _, b := range head {
		switch {
		case b == 7 || b == 8 || b == 9 || b == 10 || b == 12 || b == 13 || b == 27:
		case b >= 0x20 && b != 0x7f:
		default:
			return true
		}
	}
	return false
}

// shebang splits a script's #! line into the interpreter and its
// arguments; ok is false without one.
func shebang(src []byte) (interp string, args []string, ok bool) {
	line, _, _ := bytes.Cut(src, []byte("\n"))
	if !bytes.HasPrefix(line, []byte("#!")) {
		return "", nil, false
	}
	words, err := shlex.Python(strings.TrimSpace(string(line[2:])), false)
	if err != nil || len(words) == 0 {
		return "", nil, false
	}
	return words[0], words[1:], true
}
