package dbutil

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

var codec = sync.OnceValues(func() (*zstd.Encoder, *zstd.Decoder) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(1<<20),
		zstd.WithZeroFrames(true))
	if err != nil {
		panic(err) // only for invalid options
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(256<<20))
	if err != nil {
		panic(err)
	}
	return enc, dec
})

// Compress returns b as one zstd frame, or nil for an empty b. It is safe
// for concurrent use (one shared encoder).
func Compress(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	enc, _ := codec()
	return enc.EncodeAll(b, make([]byte, 0, len(b)/3+64))
}

// Decompress reverses Compress: nil or empty input gives nil.
func Decompress(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	_, dec := codec()
	out, err := dec.DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("decompress stored blob: %w", err)
	}
	return out, nil
}

// bodyVersion is the first byte of an event body before compression.
const bodyVersion = 1

// EncodeBody is the version 1 encoding, which stores no longer write
// (BodyEncoder.EncodeBody is version 2) and still read (Codec.DecodeBody):
// it compresses an event's raw payload and normalized data together
// as one zstd frame (they share most of their text, so one frame is smaller
// and cheaper than two). The frame holds: version byte 1, the payload
// length as a uvarint, the payload, the data.
func EncodeBody(payload, data []byte) []byte {
	if len(payload) == 0 && len(data) == 0 {
		return nil
	}
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+len(payload)+len(data))
	buf = append(buf, bodyVersion)
	buf = binary.AppendUvarint(buf, uint64(len(payload)))
	buf = append(append(buf, payload...), data...)
	return Compress(buf)
}

// DecodeBody reverses EncodeBody.
func DecodeBody(b []byte) (payload, data []byte, err error) {
	raw, err := Decompress(b)
	if err != nil || len(raw) == 0 {
		return nil, nil, err
	}
	if raw[0] != bodyVersion {
		return nil, nil, fmt.Errorf("stored event body has unknown version %d", raw[0])
	}
	n, k := binary.Uvarint(raw[1:])
	if k <= 0 || n > uint64(len(raw)-1-k) {
		return nil, nil, fmt.Errorf("stored event body is corrupt")
	}
	rest := raw[1+k:]
	payload, data = rest[:n:n], rest[n:]
	if len(payload) == 0 {
		payload = nil
	}
	if len(data) == 0 {
		data = nil
	}
	return payload, data, nil
}
