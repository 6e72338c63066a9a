// Package pyplugin runs the Jinja filter, test and lookup plugins Ansible
// content carries in Python (filter_plugins/, test_plugins/,
// lookup_plugins/ beside a playbook or in a role, the configured plugin
// paths, and collections' plugins/filter|test|lookup) on the controller.
//
// One python3 process serves a run. It starts on first use and answers
// one JSON request a line; plugins are found and loaded with ansible-core's
// own plugin loaders, configured with the directories and collection roots
// drover has learnt, so module names, collection imports and routing are
// Ansible's. Values cross as JSON: mappings lose their key order, and
// Python values JSON cannot hold (sets, tuples, bytes) come back as lists
// and strings.
package pyplugin
