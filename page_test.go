package orderhub

import (
	"fmt"
	"testing"
)

func TestRefusedCursorFindsTheListing(t *testing.T) {
	for _, list := range []string{"vendors", "promo-codes", "audit"} {
		got, ok := RefusedCursor(fmt.Errorf("listing: %w", CursorRefused(list)))
		if !ok || got != list {
			t.Fatalf("%s: %q %v", list, got, ok)
		}
	}
	for _, err := range []error{nil, Errorf(EInvalidRequest, "cursor is bad"), FieldError(EInvalidRequest, "limit", "The cursor is not one of the x listing's;"),
		FieldError(ENotFound, "cursor", cursorRefusal, "x")} {
		if l, ok := RefusedCursor(err); ok {
			t.Fatalf("%v: refused cursor of %q", err, l)
		}
	}
}
