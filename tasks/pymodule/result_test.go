package pymodule

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeResult(t *testing.T) {
	tests := []struct {
		name string
		out  output
		want map[string]any
	}{
		{"plain", output{stdout: []byte(`{"changed": true, "n": 3, "f": 1.5, "stdout": "a\nb"}`)},
			map[string]any{"changed": true, "failed": false, "n": 3, "f": 1.5, "stdout": "a\nb", "stdout_lines": []any{"a", "b"}}},
		{"junk around", output{stdout: []byte("motd line\n{\"x\": 1}\ntrailing junk\n")},
			map[string]any{"x": 1, "changed": false, "failed": false,
				"warnings": []any{"Module invocation had junk after the JSON data: trailing junk"}}},
		{"rc means failed", output{stdout: []byte(`{"rc": 2}`)}, map[string]any{"rc": 2, "failed": true, "changed": false}},
		{"internal keys", output{stdout: []byte(`{"_ansible_no_log": true, "warnings": [], "ansible_facts": {"discovered_interpreter_python": "/x", "k": 1}}`)},
			map[string]any{"changed": false, "failed": false, "ansible_facts": map[string]any{"k": 1},
				"warnings": []any{"Removed unexpected internal key in module return: _ansible_no_log = True"}}},
		{"no json", output{rc: 1, stdout: []byte("oops"), stderr: []byte("Traceback (most recent call last):\nboom")},
			map[string]any{"failed": true, "changed": false, "rc": 1, "module_stdout": "oops",
				"module_stderr": "Traceback (most recent call last):\nboom", "exception": "Traceback (most recent call last):\nboom",
				"msg": "MODULE FAILURE\nSee stdout/stderr for the exact error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeResult(tt.out, "/usr/bin/python3"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeResultMissingInterpreter(t *testing.T) {
	got := decodeResult(output{rc: 127, stderr: []byte("/bin/sh: 1: /usr/bin/python9: not found")}, "/usr/bin/python9")
	if msg, _ := got["msg"].(string); !strings.HasPrefix(msg, "The module failed to execute correctly, you probably need to set the interpreter.") {
		t.Errorf("msg = %q", msg)
	}
}

func TestKVArgs(t *testing.T) {
	got := kvArgs(map[string]any{"word": "it's", "n": 3, "b": true, "none": nil, "l": []any{"a"}})
	want := `b=True l='['"'"'a'"'"']' n=3 none=None word='it'"'"'s' `
	if strings.ReplaceAll(got, `'\''`, `'"'"'`) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestModuleStyle(t *testing.T) {
	tests := []struct {
		src  string
		want style
	}{
		{"#!/usr/bin/python\nfrom ansible.module_utils.basic import AnsibleModule\n", styleNew},
		{"#!/usr/bin/python\n#<<INCLUDE_ANSIBLE_MODULE_COMMON>>\n", styleNew},
		{"#!/usr/bin/python\nfrom ..module_utils.x import y\n", styleNew},
		{"#!/bin/sh\n# WANT_JSON\n", styleWantJSON},
		{"#!/usr/bin/python\nargs = <<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>\n", styleJSONArgs},
		{"#!/bin/sh\necho '{}'\n", styleOld},
		{"\x7fELF\x02\x01\x01\x00", styleBinary},
		{"#!powershell\n#Requires -Module Ansible.ModuleUtils.Legacy\n", stylePowerShell},
	}
	for _, tt := range tests {
		if got, _ := moduleStyle([]byte(tt.src)); got != tt.want {
			t.Errorf("moduleStyle(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}
