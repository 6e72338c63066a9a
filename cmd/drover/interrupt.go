package main

import "github.com/drover/drover/internal/exitcode"

// interruptedStatus is the exit status of an interrupted play: drover's
// 130, or ansible-playbook's 99 when drover is called by that name, for
// scripts written for Ansible.
func interruptedStatus() int {
	if calledAsAnsible() {
		return exitcode.AnsibleInterrupted
	}
	return exitcode.Interrupted
}
