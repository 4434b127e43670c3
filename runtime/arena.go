package runtime

import "github.com/dlc-go/dlc/internal/arena"

// The arena helpers live in internal/arena, shared with compiled models.
const arenaAlign = arena.Align

var (
	arenaDType = arena.Holds
	newArena   = arena.New
	typedView  = arena.View
	alignUp    = arena.AlignUp
)
