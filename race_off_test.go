//go:build !race

package orderhub

const raceEnabled = false
