package spool

import (
	"encoding/binary"
	"hash/crc32"
	"slices"
)

// A record on disk is an 8-byte header, then its body:
//
//	[0:4] length of the body, uint32 little-endian (at least 1)
//	[4:8] CRC-32C (Castagnoli) of the body, uint32 little-endian
//	body: one type byte, then
//	      recData: the sequence number (uint64 little-endian), the payload
//	      recDone: sequence numbers, sorted, as uvarint deltas from 0
//
// A zero-filled tail (a file extended but not written before a power loss)
// reads as a record of length 0, which no record has, so it ends the file
// like any torn record.
const (
	headerSize = 8
	recData    = 1
	recDone    = 2
	// dataOverhead is a data record's bytes besides its payload.
	dataOverhead = headerSize + 1 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendData appends a data record.
func appendData(b []byte, seq uint64, payload []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, headerSize)...)
	b = append(b, recData)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = append(b, payload...)
	return seal(b, start)
}

// appendDone appends a record marking seqs done (seqs is sorted in place).
func appendDone(b []byte, seqs []uint64) []byte {
	slices.Sort(seqs)
	start := len(b)
	b = append(b, make([]byte, headerSize)...)
	b = append(b, recDone)
	var prev uint64
	for _, s := range seqs {
		b = binary.AppendUvarint(b, s-prev)
		prev = s
	}
	return seal(b, start)
}

// seal fills in the header of the record that starts at b[start].
func seal(b []byte, start int) []byte {
	body := b[start+headerSize:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(body, castagnoli))
	return b
}

// record is one record read back.
type record struct {
	typ     byte
	seq     uint64   // recData
	payload []byte   // recData; a slice of the data read
	done    []uint64 // recDone
}

// parse reads the record at the start of b. It returns the bytes the
// record takes, or ok false when b does not start with a whole, intact
// record (torn, zeroed, or corrupt).
func parse(b []byte) (r record, n int, ok bool) {
	if len(b) < headerSize {
		return r, 0, false
	}
	size := binary.LittleEndian.Uint32(b)
	if size == 0 || uint64(size) > uint64(len(b)-headerSize) {
		return r, 0, false
	}
	body := b[headerSize : headerSize+int(size)]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return r, 0, false
	}
	r.typ = body[0]
	switch r.typ {
	case recData:
		if len(body) < 9 {
			return r, 0, false
		}
		r.seq = binary.LittleEndian.Uint64(body[1:])
		r.payload = body[9:]
	case recDone:
		rest := body[1:]
		var prev uint64
		for len(rest) > 0 {
			d, k := binary.Uvarint(rest)
			if k <= 0 {
				return r, 0, false
			}
			prev += d
			r.done = append(r.done, prev)
			rest = rest[k:]
		}
	default:
		return r, 0, false
	}
	return r, headerSize + int(size), true
}
