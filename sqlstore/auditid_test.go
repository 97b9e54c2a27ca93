package sqlstore

import "testing"

// Audit entries of one transaction share its time, so the listing (newest first by
// time, then id) keeps their order only if ids count up: TestAdminUpdateVendor saw
// a rename's two entries swap when NewID's random tails fell the other way.
func TestAuditIDsCountUp(t *testing.T) {
	var g monotonicIDs
	prev := g.next()
	for i := 0; i < 10000; i++ {
		id := g.next()
		if len(id) != len(prev) || id <= prev {
			t.Fatalf("id %d: %q after %q", i, id, prev)
		}
		prev = id
	}
}
