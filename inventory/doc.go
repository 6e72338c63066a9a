// Package inventory reads Ansible inventories and resolves host patterns the
// way Ansible does, so that a play targets the same hosts with the same
// variables.
//
// # Sources
//
// Load takes the -i sources in order and merges them:
//
//   - YAML inventories (all/hosts/vars/children at any depth; a group may sit
//     under several parents), also written as JSON;
//   - INI inventories ([group], [group:vars], [group:children], "host
//     key=value ..." with values typed as Python literals, as Ansible does);
//   - host ranges in names: web[01:20].lab, db-[a:f], strides [1:20:2];
//   - directories: every inventory file in them (hidden files, group_vars,
//     host_vars and the extensions Ansible ignores are skipped), sorted;
//   - group_vars/ and host_vars/ beside each source (NAME, NAME.yml,
//     NAME.yaml, NAME.json, or a directory NAME/ of such files), possibly
//     vaulted (see Options.Decrypt);
//   - dynamic inventory scripts: executables run with --list, their JSON read
//     with the _meta.hostvars contract, or --host NAME per host without
//     _meta; a script that fails, hangs past Options.ScriptTimeout or prints
//     bad JSON is an error naming it;
//   - comma-separated host lists ("a,b:2222,").
//
// With no source, only the implicit localhost exists: it has
// ansible_connection=local and, as in Ansible, is not a member of any group,
// not even all.
//
// # Variables
//
// Host.Vars merges, later winning: the all group's inline vars; the inline
// vars of the host's other groups, parents before children (groups of equal
// depth by ansible_group_priority, then name); group_vars/all files;
// group_vars files of the other groups in that same order; the host's inline
// vars; host_vars files. ansible_group_priority given inline sets a group's
// priority and is not itself a variable.
//
// # Connection variables
//
// Connection settings stay plain host variables; the transports interpret
// them. drover honours:
//
//   - ansible_host: the address to connect to (default: the inventory name);
//   - ansible_port: the port (ssh default 22); "host:PORT" in an inventory
//     sets it;
//   - ansible_user: the login user;
//   - ansible_connection: ssh (default), local, and telnet;
//   - ansible_ssh_private_key_file: an identity file;
//   - ansible_password (ansible_ssh_pass): the login password;
//   - ansible_ssh_common_args and ansible_ssh_extra_args: extra ssh command
//     line arguments; the ssh transport parses their -o Option=value, -J,
//     -p, -i and -l as ssh would;
//   - ansible_become, ansible_become_method, ansible_become_user,
//     ansible_become_password (ansible_become_pass), ansible_become_flags:
//     privilege escalation.
//
// # Patterns
//
// Select resolves host patterns with Ansible's semantics and order: all, *,
// globs (web*), regular expressions (~web\d+), host and group names, unions
// (a:b, a,b), intersections (a:&b), exclusions (a:!b) and subscripts
// (g[0], g[1:3], g[-1]). Limit applies a second pattern, as -l/--limit does,
// where @FILE reads a list of patterns from FILE.
package inventory
