package tasks

// metaActions are the meta: actions drover carries out; refresh_inventory,
// reset_connection and clear_facts are accepted too.
var metaActions = []string{"flush_handlers", "end_play", "end_host", "end_batch", "end_role",
	"clear_host_errors", "noop", "refresh_inventory", "reset_connection", "clear_facts", "role_complete"}

func init() {
	Register(&Spec{Name: "meta", FreeForm: FreeFormOptional, Engine: true, Controller: true})
}
