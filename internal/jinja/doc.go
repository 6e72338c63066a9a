// Package jinja is drover's Jinja2 engine with Ansible's semantics: the
// templating behind playbook strings, conditionals and the template module.
//
// # Why our own engine and not gonja
//
// github.com/nikolalohinski/gonja/v2 (v2.9.1) was evaluated against what
// Ansible users write and rejected:
//   - variables come only from a concrete map in exec.Context (a mutex per
//     read); there is no hook to resolve and template variables lazily, which
//     Ansible's semantics need (a var holding "{{ other }}" is rendered when
//     read, an undefined inside it only fails when used);
//   - rendering yields text only; there is no API to evaluate an expression
//     to a native value (`when`, `loop: "{{ list }}"`);
//   - it diverges from Jinja2/Ansible on everyday cases: `'%s' % x` panics
//     (integer divide by zero), None renders as an empty string inside
//     lists, `none` is undefined, `2 ** 10` gives 1024.0, tojson spacing
//     differs, undefined messages are not Ansible's "'foo' is undefined";
//   - it logs through the global logrus logger with values in messages
//     (a secrets risk) and configuration is package-global;
//   - Ansible's filters and tests would have to be written anyway.
//
// A focused engine costs about as much as the adapter layer would, and is
// faster: templates are compiled once per source string (cached per Env)
// and rendered by a tree walker without reflection on the hot path
// (a task argument with three variables and a filter: ~1 µs and 5
// allocations, against ~1.9 µs and 25 allocations with gonja). gonja is
// maintained (single maintainer, releases in 2025) but that does not
// outweigh the semantic gaps above.
//
// # Using it
//
//	env := jinja.New()                       // one per process; safe for concurrent use
//	v, err := env.Template("{{ pkgs | length }}", vars)   // playbook strings (native values)
//	ok, err := env.Truth("result.rc == 0", vars)          // when / changed_when / failed_when / until
//	out, err := env.RenderFile("nginx.conf.j2", src, vars) // template module
//	args, err := env.TemplateValue(taskArgs, vars)        // walk module arguments
//
// vars is any Vars; the engine templates variable values lazily (see
// Unsafe to opt out, Mapping for hostvars-like lazy maps). Extra filters,
// tests and globals (lookup, query) are added with AddFilter, AddTest and
// AddGlobal (Func, or CtxFunc to read variables of the render).
//
// # Semantics
//
// Env.Template follows Ansible 2.14's Templar.template for playbook
// strings: strings without {{, {% or {# are returned untouched; "{{ v }}"
// of a number/bool/None var returns it as is; otherwise the rendered text is
// turned back into a list, dict or bool when it reads as a Python literal
// ("{{ [1, 2] }}" gives a list, "{{ 5 }}" gives the string "5", as Ansible
// does). Backslashes in string literals inside {{ }} are kept (Ansible's
// escape_backslashes). Env.Truth is Ansible's conditional evaluation,
// Env.RenderFile the template module (trim_blocks on). Lists and dicts
// render in Python syntax ([1, 'a'], True, None). Values read through Vars
// are templated lazily and recursively; a variable that refers to itself is
// an error naming the chain.
//
// Errors name variables and expressions but never variable values.
//
// # Dict order
//
// Dicts built by templates (literals, from_json, from_yaml, combine) are
// *Dict and keep insertion order as Python does; to_json keeps it and
// to_nice_json sorts keys. Go maps supplied by the caller have no order and
// are iterated in sorted key order; pass *Dict (see FromYAML) to keep the
// order of the source.
//
// # Known differences from Ansible
//
//   - Regular expressions use Go's RE2 syntax after translating Python's
//     \Z; lookaround and backreferences inside patterns are not supported,
//     \d and \w are ASCII-only, and $ (without multiline) matches only at
//     the very end, not also before a final newline as Python's does.
//   - Integers are 64-bit (Python's are unbounded).
//   - type_debug reports plain Python type names (str, dict, …), never
//     AnsibleUnicode, AnsibleUnsafeText or NativeJinjaText (an inline
//     vault value kept encrypted is AnsibleVaultEncryptedUnicode).
//   - The pep440 version type compares like loose versions.
//   - {% extends %}/{% block %} are not implemented ({% include %},
//     {% import %} and {% from %} are, through Options.Loader).
//   - Datetimes (now(), to_datetime) are naive; strftime's %z and %Z print
//     +0000 and UTC where Python prints nothing.
//   - Loops, macro calls and recursion are bounded (maxSteps, maxDepth,
//     maxNesting) and string/list repetition is capped at 16 MiB, so a
//     template cannot hang or exhaust memory.
//   - Unsafe data is tracked as a whole template's property, as Ansible
//     does: a template that read an Unsafe variable (or a function marked
//     it, Call.MarkUnsafe) gives an Unsafe result; values inside lists and
//     dicts are not tracked one by one.
package jinja
