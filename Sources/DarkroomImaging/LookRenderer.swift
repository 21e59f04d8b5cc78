/// Applies a look to 8-bit RGB pixels in one pass: each channel through its table, the colour matrix, the vignette's
/// gain, rounded back to bytes. Hand-written because a measurement demanded it: libvips' chain for the same steps
/// (maplut, then recomb into a float image, a vignette mask stretched to the frame and multiplied in, then a cast)
/// took 110–180 ms of a 12-megapixel photo's ingest on its 2000×1500 frame, most of it in float intermediates and
/// the mask's resize; this pass does the arithmetic once per pixel with no image in between (`darkroom bench ingest`).
enum LookRenderer {
    static func apply(_ look: Look, to pixels: inout [UInt8], width: Int, height: Int) {
        let table = look.lookupTable
        var red = [Float](repeating: 0, count: 256)
        var green = red
        var blue = red
        for index in 0..<256 {
            red[index] = Float(table[index * 3])
            green[index] = Float(table[index * 3 + 1])
            blue[index] = Float(table[index * 3 + 2])
        }
        let m = look.matrix.map(Float.init)
        let mixes = look.matrix != Look.identity
        // The vignette's distance, squared per column and per row, so a pixel's needs one addition and a root.
        let vignette = look.vignette
        let (halfWidth, halfHeight) = (Float(width) / 2, Float(height) / 2)
        let columns = (0..<width).map { x -> Float in
            let dx = (Float(x) + 0.5 - halfWidth) / halfWidth
            return dx * dx
        }
        let (start, strength, centre) = (Float(vignette?.start ?? 0), Float(vignette?.strength ?? 0), Float(vignette?.centre ?? 1))
        red.withUnsafeBufferPointer { red in
            green.withUnsafeBufferPointer { green in
                blue.withUnsafeBufferPointer { blue in
                    columns.withUnsafeBufferPointer { columns in
                        pixels.withUnsafeMutableBufferPointer { pixels in
                            for y in 0..<height {
                                let dy = (Float(y) + 0.5 - halfHeight) / halfHeight
                                let rowTerm = dy * dy
                                var index = y * width * 3
                                for x in 0..<width {
                                    var r = red[Int(pixels[index])]
                                    var g = green[Int(pixels[index + 1])]
                                    var b = blue[Int(pixels[index + 2])]
                                    if mixes {
                                        (r, g, b) = (
                                            m[0] * r + m[1] * g + m[2] * b, m[3] * r + m[4] * g + m[5] * b, m[6] * r + m[7] * g + m[8] * b
                                        )
                                    }
                                    if vignette != nil {
                                        let distance = ((columns[x] + rowTerm) / 2).squareRoot()
                                        let t = min(1, max(0, (distance - start) / (1 - start)))
                                        let falloff = t * t * (3 - 2 * t)
                                        let gain = centre * (1 - falloff) + (1 - strength) * falloff
                                        (r, g, b) = (r * gain, g * gain, b * gain)
                                    }
                                    pixels[index] = UInt8(min(255, max(0, r.rounded())))
                                    pixels[index + 1] = UInt8(min(255, max(0, g.rounded())))
                                    pixels[index + 2] = UInt8(min(255, max(0, b.rounded())))
                                    index += 3
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
