// Package zapier holds the orderhub Zapier app (JavaScript, zapier-platform-core):
// index.js and lib/ are the app, test/ its tests in Zapier's runtime against a live
// orderhub, test.sh installs and runs them. zapier_test.go runs test.sh from
// `go test ./...` when Node.js and npm are installed (and requires them under
// CI=true). The Go package has no code of its own.
package zapier
