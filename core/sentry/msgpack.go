package sentry

import (
	"errors"
	"fmt"
	"math"
)

// ErrMsgpack is returned for truncated or malformed MessagePack data.
var ErrMsgpack = errors.New("malformed msgpack")

// msgpackMaxDepth bounds nesting, so hostile input cannot exhaust the stack.
const msgpackMaxDepth = 64

// DecodeMsgpackValues decodes a sequence of concatenated MessagePack values
// (sentry-native writes its event and breadcrumb files so) into JSON-ready
// Go values: maps with string keys, slices, strings, numbers, booleans and
// nil. Extension values and non-finite floats become nil; binary becomes a
// string. Nesting deeper than 64 levels, truncated or malformed data gives
// ErrMsgpack with the values decoded before it.
func DecodeMsgpackValues(b []byte) ([]any, error) {
	d := &msgpackDecoder{b: b}
	var out []any
	for d.off < len(d.b) {
		v, err := d.value(0)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

type msgpackDecoder struct {
	b   []byte
	off int
}

func (d *msgpackDecoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.off {
		return nil, ErrMsgpack
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// uint reads an n-byte big-endian unsigned integer.
func (d *msgpackDecoder) uint(n int) (uint64, error) {
	p, err := d.take(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range p {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

func (d *msgpackDecoder) value(depth int) (any, error) {
	if depth > msgpackMaxDepth {
		return nil, ErrMsgpack
	}
	p, err := d.take(1)
	if err != nil {
		return nil, err
	}
	c := p[0]
	switch {
	case c <= 0x7f:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c&0xf0 == 0x80:
		return d.mapOf(int(c&0x0f), depth)
	case c&0xf0 == 0x90:
		return d.arrayOf(int(c&0x0f), depth)
	case c&0xe0 == 0xa0:
		return d.str(int(c & 0x1f))
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xd9: // bin8, str8
		return d.sized(1, d.str)
	case 0xc5, 0xda:
		return d.sized(2, d.str)
	case 0xc6, 0xdb:
		return d.sized(4, d.str)
	case 0xc7, 0xc8, 0xc9: // ext: a length, a type byte, data
		n, err := d.uint([]int{1, 2, 4}[c-0xc7])
		if err != nil {
			return nil, err
		}
		if n > uint64(len(d.b)) {
			return nil, ErrMsgpack
		}
		_, err = d.take(int(n) + 1)
		return nil, err
	case 0xca:
		v, err := d.uint(4)
		return finite(float64(math.Float32frombits(uint32(v)))), err
	case 0xcb:
		v, err := d.uint(8)
		return finite(math.Float64frombits(v)), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		return d.uint(1 << (c - 0xcc))
	case 0xd0:
		v, err := d.uint(1)
		return int64(int8(v)), err
	case 0xd1:
		v, err := d.uint(2)
		return int64(int16(v)), err
	case 0xd2:
		v, err := d.uint(4)
		return int64(int32(v)), err
	case 0xd3:
		v, err := d.uint(8)
		return int64(v), err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1..16 and the type byte
		_, err := d.take(1 + 1<<(c-0xd4))
		return nil, err
	case 0xdc:
		return d.sized(2, func(n int) (any, error) { return d.arrayOf(n, depth) })
	case 0xdd:
		return d.sized(4, func(n int) (any, error) { return d.arrayOf(n, depth) })
	case 0xde:
		return d.sized(2, func(n int) (any, error) { return d.mapOf(n, depth) })
	case 0xdf:
		return d.sized(4, func(n int) (any, error) { return d.mapOf(n, depth) })
	}
	return nil, ErrMsgpack // 0xc1 is never used
}

// sized reads an n-byte length, then the value f reads with it.
func (d *msgpackDecoder) sized(n int, f func(int) (any, error)) (any, error) {
	l, err := d.uint(n)
	if err != nil {
		return nil, err
	}
	if l > uint64(len(d.b)-d.off) {
		return nil, ErrMsgpack // every element takes at least one byte
	}
	return f(int(l))
}

func (d *msgpackDecoder) str(n int) (any, error) {
	p, err := d.take(n)
	return string(p), err
}

func (d *msgpackDecoder) arrayOf(n int, depth int) (any, error) {
	if n > len(d.b)-d.off {
		return nil, ErrMsgpack
	}
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *msgpackDecoder) mapOf(n int, depth int) (any, error) {
	if n > (len(d.b)-d.off)/2 {
		return nil, ErrMsgpack
	}
	out := make(map[string]any, n)
	for i := 0; i < n; i++ {
		k, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			ks = fmt.Sprint(k)
		}
		out[ks] = v
	}
	return out, nil
}

func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}
