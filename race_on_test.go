//go:build race

package orderhub

// raceEnabled: the race detector instruments allocations, so allocation counts
// measured under it are not the program's.
const raceEnabled = true
