package tasks

import (
	"sort"
	"strings"
)

// factSubsets are the gather_subset names Ansible's setup knows on Linux.
var factSubsets = strings.Fields(`all_ipv4_addresses all_ipv6_addresses apparmor architecture caps chroot
cmdline date_time default_ipv4 default_ipv6 devices distribution distribution_major_version
distribution_release distribution_version dns effective_group_ids effective_user_id env facter
fibre_channel_wwn fips hardware interfaces is_chroot iscsi kernel kernel_version loadavg local lsb
machine machine_id mounts network nvme ohai os_family pkg_mgr platform processor processor_cores
processor_count python python_version real_user_id selinux service_mgr ssh_host_key_dsa_public
ssh_host_key_ecdsa_public ssh_host_key_ed25519_public ssh_host_key_rsa_public ssh_host_pub_keys
ssh_pub_keys system system_capabilities system_capabilities_enforced user user_dir user_gecos
user_gid user_id user_shell user_uid virtual virtualization_role virtualization_tech_guest
virtualization_tech_host virtualization_type`)

// badSubset is the failure for a gather_subset entry setup does not know
// (an unknown exclusion is ignored), or nil.
func badSubset(subsets []string) *Result {
	for _, s := range subsets {
		if s == "all" || s == "min" || strings.HasPrefix(s, "!") {
			continue
		}
		if i := sort.SearchStrings(factSubsets, s); i == len(factSubsets) || factSubsets[i] != s {
			return Failf("Bad subset '%s' given to Ansible. gather_subset options allowed: all, %s", s, strings.Join(factSubsets, ", "))
		}
	}
	return nil
}

// gathersLocal tells whether a gather_subset includes the local facts:
// they are part of min, so only !local or !min leaves them out, unless
// local is also asked for.
func gathersLocal(subsets []string) bool {
	excluded := false
	for _, s := range subsets {
		switch s {
		case "local":
			return true
		case "!local", "!min":
			excluded = true
		}
	}
	return !excluded
}
