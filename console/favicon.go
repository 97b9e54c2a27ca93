package console

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"sync"
	"time"
)

// The console's icon: a white ring on the console's accent blue, drawn once, served
// as /favicon.ico (a PNG inside an ICO container, which every browser reads) and as
// /console/static/favicon.svg (which the pages link).

var faviconICO = sync.OnceValue(func() []byte {
	const n = 32
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	accent := color.NRGBA{0x34, 0x51, 0xd1, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			// A rounded square (corner radius 6) with a ring (radii 6.5 to 11) inside.
			cx, cy := math.Abs(float64(x)+0.5-n/2), math.Abs(float64(y)+0.5-n/2)
			if qx, qy := cx-(n/2-6), cy-(n/2-6); qx > 0 && qy > 0 && qx*qx+qy*qy > 36 {
				continue // outside the rounded corner: transparent
			}
			img.SetNRGBA(x, y, accent)
			if r := math.Hypot(cx, cy); r >= 6.5 && r <= 11 {
				img.SetNRGBA(x, y, white)
			}
		}
	}
	var p bytes.Buffer
	_ = png.Encode(&p, img)
	// ICONDIR (reserved 0, type 1 = icon, 1 image), then one ICONDIRENTRY: width,
	// height, colours, reserved, planes, bits per pixel, size, offset.
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, []uint16{0, 1, 1})
	b.Write([]byte{n, n, 0, 0})
	_ = binary.Write(&b, binary.LittleEndian, []uint16{1, 32})
	_ = binary.Write(&b, binary.LittleEndian, []uint32{uint32(p.Len()), 6 + 16})
	b.Write(p.Bytes())
	return b.Bytes()
})

// Favicon serves /favicon.ico: browsers ask for it at the root of the host, also for
// the API's pages, without credentials.
func Favicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "favicon.ico", time.Time{}, bytes.NewReader(faviconICO()))
}
