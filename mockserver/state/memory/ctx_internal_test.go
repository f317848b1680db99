package memory

import "context"

// ctx is the context of every call of the internal tests.
var ctx = context.Background()
