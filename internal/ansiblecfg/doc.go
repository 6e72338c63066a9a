// Package ansiblecfg reads Ansible's configuration as ansible-core 2.14 finds
// and applies it: the ansible.cfg file ($ANSIBLE_CONFIG, ./ansible.cfg unless
// the current directory is world-writable, ~/.ansible.cfg,
// /etc/ansible/ansible.cfg; the first found wins), read as Python's
// configparser reads it, and the ANSIBLE_* environment variables that
// override it. Every base setting of Ansible is known with its type, so a
// bad value anywhere is an error as in Ansible; Settings holds, typed, the
// ones that change what drover does. Command-line flags override these
// settings; that is the caller's part.
package ansiblecfg
