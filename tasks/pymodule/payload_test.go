package pymodule

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

func TestScanImports(t *testing.T) {
	src := `#!/usr/bin/python
"""Docs: import not_this
from nor.this import x
"""
from __future__ import annotations
import os, sys as system
from ansible.module_utils.basic import (
    AnsibleModule,
    missing_required_lib as mrl,
)
from ansible.module_utils.common.text.converters import to_text  # comment: import fake
from ..module_utils.helper import util \
    , other
x = "from quoted import y"
try:
    import ansible.module_utils.optional_one
except ImportError:
    pass
def f(): import lazy.thing
if True: from ansible.module_utils import urls; import json
`
	var got []string
	for _, imp := range scanImports([]byte(src)) {
		mods := imp.absoluteModules("ansible_collections.ns.coll.plugins.modules.m", false)
		for _, m := range mods {
			if imp.optional {
				m += " (optional)"
			}
			got = append(got, m)
		}
	}
	want := []string{"__future__.annotations", "os", "sys", "ansible.module_utils.basic.AnsibleModule",
		"ansible.module_utils.basic.missing_required_lib", "ansible.module_utils.common.text.converters.to_text",
		"ansible_collections.ns.coll.plugins.module_utils.helper.util", "ansible_collections.ns.coll.plugins.module_utils.helper.other",
		"ansible.module_utils.optional_one (optional)", "lazy.thing (optional)", "ansible.module_utils.urls (optional)", "json"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("imports:\n got %q\nwant %q", got, want)
	}
}

func TestPayloadModuleUtils(t *testing.T) {
	root := tree(t, map[string]string{
		"site/ansible/module_utils/basic.py":                                    "from ansible.module_utils.common import helpers\nimport json\n",
		"site/ansible/module_utils/common/__init__.py":                          "",
		"site/ansible/module_utils/common/helpers.py":                           "X = 1\n",
		"site/ansible/module_utils/six/__init__.py":                             "",
		"site/ansible/modules/mod.py":                                           "from ansible.module_utils.basic import AnsibleModule\nfrom ansible.module_utils.six.moves import range\ntry:\n    from ansible.module_utils.notthere import y\nexcept ImportError:\n    pass\n",
		"site/ansible_collections/ns/coll/plugins/modules/c.py":                 "from ..module_utils.cu import thing\nfrom ansible_collections.ns.coll.plugins.module_utils.old import z\n",
		"site/ansible_collections/ns/coll/plugins/module_utils/cu.py":           "from ansible.module_utils.basic import AnsibleModule\n",
		"site/ansible_collections/ns/coll/plugins/module_utils/new/__init__.py": "Z = 1\n",
		"site/ansible_collections/ns/coll/meta/runtime.yml":                     "plugin_routing:\n  module_utils:\n    old:\n      redirect: ns.coll.new\n",
	})
	f := NewFinder(Config{AnsibleRoot: filepath.Join(root, "site/ansible"), Library: []string{}, ModuleUtils: []string{},
		CollectionsPaths: []string{}, SysPaths: []string{filepath.Join(root, "site")}})
	tests := []struct {
		name string
		want []string
	}{
		{"ansible.builtin.mod", []string{"ansible/__init__.py", "ansible/module_utils/__init__.py", "ansible/module_utils/basic.py",
			"ansible/module_utils/common/__init__.py", "ansible/module_utils/common/helpers.py", "ansible/module_utils/six/__init__.py",
			"ansible/modules/__init__.py", "ansible/modules/mod.py"}},
		{"ns.coll.c", []string{"ansible/__init__.py", "ansible/module_utils/__init__.py", "ansible/module_utils/basic.py",
			"ansible/module_utils/common/__init__.py", "ansible/module_utils/common/helpers.py",
			"ansible_collections/__init__.py", "ansible_collections/ns/__init__.py", "ansible_collections/ns/coll/__init__.py",
			"ansible_collections/ns/coll/plugins/__init__.py", "ansible_collections/ns/coll/plugins/module_utils/__init__.py",
			"ansible_collections/ns/coll/plugins/module_utils/cu.py", "ansible_collections/ns/coll/plugins/module_utils/new/__init__.py",
			"ansible_collections/ns/coll/plugins/module_utils/old/__init__.py",
			"ansible_collections/ns/coll/plugins/modules/__init__.py", "ansible_collections/ns/coll/plugins/modules/c.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := f.Resolve(tt.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.payloadFor(m)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(p.zip), int64(len(p.zip)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, zf := range zr.File {
				got = append(got, zf.Name)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("payload files:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPayloadMissingUtil(t *testing.T) {
	root := tree(t, map[string]string{
		"site/ansible/module_utils/basic.py": "",
		"site/ansible/modules/bad.py":        "from ansible.module_utils.nothere import x\n",
	})
	f := NewFinder(Config{AnsibleRoot: filepath.Join(root, "site/ansible"), Library: []string{}, ModuleUtils: []string{}, CollectionsPaths: []string{}})
	m, err := f.Resolve("bad", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.payloadFor(m); err == nil {
		t.Fatal("a module importing a missing module_utils built a payload")
	}
}
