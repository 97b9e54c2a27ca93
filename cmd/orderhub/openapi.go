package main

import (
	"net/url"

	"orderhub/docs"
)

// openAPIJSON returns the embedded API contract as JSON (nil if it cannot be
// converted, which TestOpenAPIServed would catch).
func openAPIJSON() []byte {
	b, err := docs.OpenAPIJSON()
	if err != nil {
		return nil
	}
	return b
}

func urlParse(s string) (*url.URL, error) { return url.Parse(s) }
