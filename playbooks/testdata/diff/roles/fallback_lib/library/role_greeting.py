#!/usr/bin/python
# A role's own Python module: greets, writes its greeting to a file, honours
# check mode and diff.
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            path=dict(type='path', required=True),
            shout=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    text = 'hello %s' % module.params['name']
    if module.params['shout']:
        text = text.upper()
    text += '\n'
    path = module.params['path']
    try:
        with open(path) as f:
            before = f.read()
    except IOError:
        before = ''
    changed = before != text
    if changed and not module.check_mode:
        with open(path, 'w') as f:
            f.write(text)
    diff = dict(before=before, after=text, before_header=path, after_header=path)
    module.warn('greeted %s' % module.params['name'])
    module.exit_json(changed=changed, greeting=text.strip(), diff=diff, ansible_facts=dict(last_greeting=text.strip()))


if __name__ == '__main__':
    main()
