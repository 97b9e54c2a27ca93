// Package docs embeds orderhub's API contract (openapi.yaml), served as JSON at
// /openapi.json and used by the tests to validate real responses.
package docs

import (
	_ "embed"
	"sync"

	"github.com/oasdiff/yaml"
)

//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPIYAML returns the OpenAPI document as written.
func OpenAPIYAML() []byte { return openAPIYAML }

var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return yaml.YAMLToJSON(openAPIYAML) })

// OpenAPIJSON returns the OpenAPI document converted to JSON.
func OpenAPIJSON() ([]byte, error) { return openAPIJSON() }
