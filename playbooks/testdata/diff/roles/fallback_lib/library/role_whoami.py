#!/usr/bin/python
# A role's own module telling who it runs as.
import os
import pwd

from ansible.module_utils.basic import AnsibleModule

module = AnsibleModule(argument_spec=dict(), supports_check_mode=True)
module.exit_json(changed=False, user=pwd.getpwuid(os.geteuid()).pw_name)
