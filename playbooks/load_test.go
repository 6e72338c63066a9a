package playbooks

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeBook writes files (name → content) into a temporary directory and
// returns the path of the first one, "site.yml".
func writeBook(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "site.yml")
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, book string
		extra      map[string]string
		want       string // "LINE:COL: message" substring
	}{
		{"misspelled module", "- hosts: all\n  tasks:\n    - comand: ls\n", nil, `site.yml:3:7: "comand" is not a task keyword nor a known module (did you mean "command"?)`},
		{"misspelled keyword", "- hosts: all\n  tasks:\n    - command: ls\n      registr: x\n", nil, `site.yml:4:7: "registr" is not a task keyword nor a known module (did you mean "register"?)`},
		{"misspelled argument", "- hosts: all\n  tasks:\n    - command:\n        cmd: ls\n        chdri: /tmp\n", nil, `site.yml:5:9: unsupported argument "chdri" for module command (did you mean "chdir"?)`},
		{"misspelled play key", "- hosts: all\n  taks: []\n", nil, `site.yml:2:3: unknown key "taks" in play (did you mean "tasks"?)`},
		{"no hosts", "- name: x\n  tasks: []\n", nil, `site.yml:1:3: the field 'hosts' is required`},
		{"two modules", "- hosts: all\n  tasks:\n    - command: ls\n      shell: ls\n", nil, `site.yml:4:7: conflicting action statements: command, shell`},
		{"free form to debug", "- hosts: all\n  tasks:\n    - debug: msg=hello world\n", nil, `site.yml:3:14: module debug takes no free-form arguments`},
		{"no module", "- hosts: all\n  tasks:\n    - name: nothing\n", nil, `site.yml:3:7: no module/action detected`},
		{"bad loop", "- hosts: all\n  tasks:\n    - debug: msg=x\n      with_itemz: [1]\n", nil, `site.yml:4:7: unknown loop with_itemz (did you mean "with_items"?)`},
		{"bad loop_control", "- hosts: all\n  tasks:\n    - debug: msg=x\n      loop: [1]\n      loop_control: {loopvar: y}\n", nil, `site.yml:5:22: unknown key "loopvar" in loop_control (did you mean "loop_var"?)`},
		{"not a list", "hosts: all\n", nil, `site.yml:1:1: a playbook must be a list of plays`},
		{"yaml syntax", "- hosts: all\n  tasks:\n    - command: ls\n   bad: [\n", nil, `site.yml:4`},
		{"import missing", "- hosts: all\n  tasks:\n    - import_tasks: nope.yml\n", nil, `nope.yml: file not found`},
		{"error in imported file", "- hosts: all\n  tasks:\n    - import_tasks: t.yml\n", map[string]string{"t.yml": "- shel: ls\n"}, `t.yml:1:3: "shel" is not a task keyword nor a known module (did you mean "shell"?)`},
		{"import cycle", "- hosts: all\n  tasks:\n    - import_tasks: a.yml\n", map[string]string{"a.yml": "- import_tasks: a.yml\n"}, `imports itself`},
		{"bad block key", "- hosts: all\n  tasks:\n    - block: []\n      rescu: []\n", nil, `site.yml:4:7: "rescu" is not a valid attribute for a block (did you mean "rescue"?)`},
		{"bad register", "- hosts: all\n  tasks:\n    - command: ls\n      register: 1x\n", nil, `site.yml:4:17: Invalid variable name in 'register' specified: '1x'`},
		{"listen outside handlers", "- hosts: all\n  tasks:\n    - command: ls\n      listen: x\n", nil, `site.yml:4:7: listen is only valid in handlers`},
		{"bad var name", "- hosts: all\n  vars:\n    bad-name: 1\n", nil, `site.yml:3:5: invalid variable name "bad-name"`},
		{"bad strategy", "- hosts: all\n  strategy: linaer\n", nil, `site.yml:2:13: unknown strategy "linaer"`},
		{"bad order", "- hosts: all\n  order: random\n", nil, `site.yml:2:10: Invalid 'order' specified for inventory hosts: random`},
		{"bad module_defaults module", "- hosts: all\n  module_defaults:\n    fiel: {path: x}\n", nil, `site.yml:3:5: Could not resolve action fiel in module_defaults (did you mean "file"?)`},
		{"bad module_defaults argument", "- hosts: all\n  tasks:\n    - debug: msg=x\n      module_defaults: {file: {pth: x}}\n", nil, `site.yml:4:25: module_defaults: unsupported argument "pth"`},
		{"unknown module_defaults group", "- hosts: all\n  module_defaults:\n    group/nosuch: {x: 1}\n", nil, `site.yml:3:5: Error loading module_defaults: could not resolve the module_defaults group ansible.builtin.nosuch`},
		{"missing role", "- hosts: all\n  roles: [web]\n", nil, "the role 'web' was not found in "},
		{"missing dependency", "- hosts: all\n  roles: [web]\n", map[string]string{"roles/web/meta/main.yml": "dependencies:\n  - role: db\n    x: 1\n"},
			"roles/web/meta/main.yml:2:5: the role 'db' was not found in "},
		{"dependency cycle", "- hosts: all\n  roles: [a]\n", map[string]string{"roles/a/meta/main.yml": "dependencies: [b]\n",
			"roles/b/meta/main.yml": "dependencies: [a]\n"}, "roles/b/meta/main.yml:1:16: A recursion loop was detected with the roles specified"},
		{"error in dependency", "- hosts: all\n  roles: [a]\n", map[string]string{"roles/a/meta/main.yml": "dependencies: [b]\n",
			"roles/b/tasks/main.yml": "- debug: msg=x\n  whn: true\n"}, `roles/b/tasks/main.yml:2:3: "whn" is not a task keyword nor a known module (did you mean "when"?)`},
		{"import_role missing", "- hosts: all\n  tasks:\n    - import_role: name=nope\n", nil, "site.yml:3:7: the role 'nope' was not found in "},
		{"import_role loop", "- hosts: all\n  tasks:\n    - import_role: name=r\n      loop: [1]\n", map[string]string{"roles/r/tasks/main.yml": "- debug: msg=x\n"},
			"site.yml:3:7: You cannot use loops on 'import_role' statements"},
		{"import_role tasks_from missing", "- hosts: all\n  tasks:\n    - import_role: {name: r, tasks_from: other}\n", map[string]string{"roles/r/tasks/main.yml": "- debug: msg=x\n"},
			"site.yml:3:7: Could not find specified file in role: tasks/other"},
		{"include_role bad option", "- hosts: all\n  tasks:\n    - include_role: {name: r, public: true, bogus: 1}\n", nil, `site.yml:3:45: unsupported argument "bogus"`},
		{"import_role public", "- hosts: all\n  tasks:\n    - import_role: {name: r, public: true}\n", map[string]string{"roles/r/tasks/main.yml": "- debug: msg=x\n"},
			"site.yml:3:7: Invalid options for import_role: public"},
		{"import_tasks apply", "- hosts: all\n  tasks:\n    - import_tasks: {file: a.yml, apply: {tags: [x]}}\n", map[string]string{"a.yml": "- debug: msg=x\n"}, `site.yml:3:7: Invalid options for import_tasks: apply`},
		{"include_tasks bad option", "- hosts: all\n  tasks:\n    - include_tasks: {file: a.yml, bogus: 1}\n", nil, `site.yml:3:7: Invalid options for include_tasks: bogus`},
		{"role in handlers", "- hosts: all\n  handlers:\n    - import_role: name=r\n", map[string]string{"roles/r/tasks/main.yml": "- debug: msg=x\n"},
			"site.yml:3:7: Using 'import_role' as a handler is not supported."},
		{"empty file", "", nil, `Empty playbook, nothing to do: `},
		{"only a comment", "# nothing\n", nil, `Empty playbook, nothing to do: `},
		{"no plays", "[]\n", nil, `A playbook must contain at least one play: `},
		{"empty imported playbook", "- import_playbook: e.yml\n", map[string]string{"e.yml": "---\n"}, `Empty playbook, nothing to do: `},
		{"hosts a number", "- hosts: 5\n  tasks: []\n", nil, `site.yml:1:10: Hosts list must be a sequence or string. Please check your playbook.`},
		{"hosts a mapping", "- hosts: {a: 1}\n", nil, `site.yml:1:10: Hosts list must be a sequence or string.`},
		{"hosts list of numbers", "- hosts: [web, 5]\n", nil, `site.yml:1:10: Hosts list contains an invalid host value: '5'`},
		{"hosts empty", "- hosts:\n  tasks: []\n", nil, `site.yml:1:9: Hosts list cannot be empty. Please check your playbook`},
		{"hosts empty string", "- hosts: ''\n", nil, `site.yml:1:10: Hosts list cannot be empty.`},
		{"module found nowhere", "- hosts: all\n  tasks:\n    - frobnicate_widgets: x=1\n", map[string]string{"library/other.py": ""},
			`site.yml:3:7: "frobnicate_widgets" is not a task keyword nor a known module; drover looked for a module in `},
		{"misspelled library module", "- hosts: all\n  tasks:\n    - action: my_modle x=1\n", map[string]string{"library/my_module.py": ""},
			`site.yml:3:15: couldn't resolve module/action "my_modle" (did you mean "my_module"?)`},
		{"misspelled collection module", "- hosts: all\n  tasks:\n    - ansible.posix.sysctll: name=x\n", nil,
			`site.yml:3:7: "ansible.posix.sysctll" is not a task keyword nor a known module (did you mean "ansible.posix.sysctl"?)`},
		{"collection action plugin", "- hosts: all\n  tasks:\n    - action: community.general.shutdown\n", nil,
			`community.general.shutdown needs its action plugin (`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"site.yml": c.book}
			for k, v := range c.extra {
				files[k] = v
			}
			_, err := Load(writeBook(t, files), LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	cases := []struct{ name, book, want string }{
		{"jinja syntax in args", "- hosts: all\n  tasks:\n    - debug: msg=\"{{ x + }}\"\n", `site.yml:3:7:`},
		{"jinja syntax in when", "- hosts: all\n  tasks:\n    - debug: msg=x\n      when: x ==\n", `site.yml:3:7: when:`},
		{"unknown lookup plugin", "- hosts: all\n  tasks:\n    - debug: msg=\"{{ lookup('fiel', 'a') }}\"\n", `site.yml:3:7: lookup plugin (fiel) not found (did you mean "file"?) (template line 1, column 4)`},
		{"unknown query plugin in when", "- hosts: all\n  tasks:\n    - debug: msg=x\n      when: q('itmes', [1]) | length\n", `site.yml:3:7: when: lookup plugin (itmes) not found (did you mean "items"?) (template line 1, column 1)`},
		{"unknown lookup plugin in a loop", "- hosts: all\n  tasks:\n    - debug: msg=x\n      loop: \"{{ query('nosuchplugin', 1) }}\"\n", `site.yml:3:7: lookup plugin (nosuchplugin) not found; drover has: cartesian, `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pb, err := Load(writeBook(t, map[string]string{"site.yml": c.book}), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(pb); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

// TestLoadKeywords loads a play using every play and task keyword and checks
// where each landed.
func TestLoadKeywords(t *testing.T) {
	book := `- name: all keywords
  hosts: [web, db]
  gather_facts: no
  gather_subset: [min]
  become: yes
  become_user: admin
  become_method: su
  remote_user: deploy
  serial: "50%"
  max_fail_percentage: 10
  any_errors_fatal: true
  strategy: free
  tags: [play]
  environment: {A: b}
  vars: {x: 1}
  vars_files: [v.yml]
  vars_prompt:
    - name: pw
      prompt: Password
      private: no
  pre_tasks:
    - debug: msg=pre
  tasks:
    - name: every task keyword
      ansible.builtin.command: ls -l
      args: {chdir: /tmp}
      when: x == 1
      loop: [1, 2]
      loop_control: {loop_var: i, index_var: n, label: "{{ i }}", pause: 0, extended: yes}
      register: out
      changed_when: false
      failed_when: out.rc > 1
      ignore_errors: yes
      ignore_unreachable: yes
      until: out is success
      retries: 2
      delay: 0
      notify: [h]
      tags: t1,t2
      delegate_to: localhost
      delegate_facts: true
      run_once: true
      no_log: true
      check_mode: false
      diff: true
      become: false
      environment: {C: d}
      vars: {y: 2}
      throttle: 1
      timeout: 5
    - block:
        - set_fact: a=1
      rescue:
        - debug: var=a
      always:
        - meta: flush_handlers
      when: true
    - include_tasks: inc.yml
    - local_action: command echo hi
    - action: shell echo hi chdir=/
  post_tasks:
    - ping:
  handlers:
    - name: h
      listen: topic
      debug: msg=h
`
	p := writeBook(t, map[string]string{"site.yml": book, "inc.yml": "- debug: msg=inc\n"})
	pb, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(pb); err != nil {
		t.Fatal(err)
	}
	pl := pb.Plays[0]
	if !reflect.DeepEqual(pl.Hosts, []string{"web", "db"}) || pl.Strategy != "free" || pl.Serial != "50%" ||
		pl.GatherFacts != false || len(pl.VarsPrompt) != 1 || pl.VarsPrompt[0].Private || pl.Kw["become_user"] != "admin" {
		t.Errorf("play: %+v", pl)
	}
	task := pl.Tasks[0]
	if task.Action != "command" || task.Args["chdir"] != "/tmp" || task.Args["_raw_params"] != "ls -l" ||
		task.Register != "out" || !task.HasLoop || !reflect.DeepEqual(task.Notify, []string{"h"}) ||
		!reflect.DeepEqual(task.Kw["tags"], []string{"t1", "t2"}) || task.Kw["delegate_to"] != "localhost" {
		t.Errorf("task: %+v", task)
	}
	blk := pl.Tasks[1]
	if !blk.IsBlock || len(blk.Block) != 1 || len(blk.Rescue) != 1 || len(blk.Always) != 1 || blk.Block[0].Parent != blk {
		t.Errorf("block: %+v", blk)
	}
	if pl.Tasks[2].Action != "include_tasks" {
		t.Errorf("include: %+v", pl.Tasks[2])
	}
	if la := pl.Tasks[3]; la.Action != "command" || la.Kw["delegate_to"] != "localhost" || la.Args["_raw_params"] != "echo hi" {
		t.Errorf("local_action: %+v", la)
	}
	if a := pl.Tasks[4]; a.Action != "shell" || a.Args["chdir"] != "/" || a.Args["_raw_params"] != "echo hi" {
		t.Errorf("action: %+v", a)
	}
	if h := pl.Handlers[0]; !reflect.DeepEqual(h.Listen, []string{"topic"}) || !h.Handler {
		t.Errorf("handler: %+v", h)
	}
}

// TestLoadDuplicateKeys checks that keys given twice in a playbook load
// with the last value and Ansible's warning, as ansible-playbook does.
func TestLoadDuplicateKeys(t *testing.T) {
	book := writeBook(t, map[string]string{"site.yml": "- hosts: all\n  vars:\n    a: 1\n    a: 2\n  tasks:\n    - name: one\n      debug: msg=x\n      name: two\n"})
	l := NewLoader(LoadOptions{})
	pb, err := l.Playbook(book)
	if err != nil {
		t.Fatal(err)
	}
	p := pb.Plays[0]
	if p.Vars["a"] != 2 || p.Tasks[0].Name != "two" {
		t.Errorf("vars %v, task name %q: want the last values", p.Vars, p.Tasks[0].Name)
	}
	want := []string{
		"While constructing a mapping from " + book + ", line 3, column 5, found a duplicate dict key (a). Using last defined value only.",
		"While constructing a mapping from " + book + ", line 6, column 7, found a duplicate dict key (name). Using last defined value only.",
	}
	if got := l.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%q\nwant:\n%q", got, want)
	}
}

// TestIncludedUnknownModule: a module found nowhere in a file include_tasks
// names is not a load error (Ansible reports it when the file is included);
// the same file imported is.
func TestIncludedUnknownModule(t *testing.T) {
	inc := map[string]string{"t.yml": "- frobnicate_widgets: x=1\n"}
	for _, c := range []struct {
		keyword string
		fails   bool
	}{{"include_tasks", false}, {"import_tasks", true}} {
		files := map[string]string{"site.yml": "- hosts: all\n  tasks:\n    - " + c.keyword + ": t.yml\n"}
		for k, v := range inc {
			files[k] = v
		}
		_, err := Load(writeBook(t, files), LoadOptions{})
		if (err != nil) != c.fails {
			t.Errorf("%s: err = %v, want an error: %v", c.keyword, err, c.fails)
		}
	}
}
