// Package compat measures drover against Ansible on ansible-core 2.14's own
// integration targets (../shared/ansible-2.14-integration, test data only,
// never copied into the project).
//
// Each target runs as ansible-test runs it on the controller ("local"
// posix environment): in a temporary copy of the suite whose directory
// name ends in ansible-test's non-ASCII suffix, with the testhost local
// inventory, an empty ansible.cfg, ansible-test's clean environment
// (LC_ALL, HOME, PATH and its ANSIBLE_*, JUNIT_*, OUTPUT_DIR,
// INVENTORY_PATH, ANSIBLE_PLAYBOOK_DIR and ANSIBLE_TEST_PYTHON_*
// variables) and a directory first on PATH that holds ansible-playbook (the
// runner under test: Ansible's own, or drover through its argv[0]
// dispatch), python (the interpreter of the inventory) and ansible-test's
// virtualenv.sh. A role target runs as a generated playbook from
// test/integration with ANSIBLE_ROLES_PATH=targets; a runme target runs
// ./runme.sh from its directory, with only -v flags as arguments. Its
// setup/once and setup/always targets run first, the same way. A target
// passes when its run exits 0: targets assert their own results.
//
// Selection follows ansible-test's local posix run (see Select); Report
// renders the comparison table, and passing.txt lists the targets drover
// passes, which TestPassingTargets keeps passing in CI.
package compat
