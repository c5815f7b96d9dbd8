package accounts

import (
	"encoding/binary"
	"errors"
	"time"
)

// sessionCodec is scs's Codec for our session data: a version byte, the
// deadline (unix nanoseconds), then each value as its key and a typed value
// (int64, []byte, string or bool: all the data holds). scs's default, gob,
// builds a decoder per load, which cost more than the two queries of a
// signed-in request together.
type sessionCodec struct{}

const codecVersion = 1

const (
	tInt64 byte = iota + 1
	tBytes
	tString
	tBool
)

var errCodec = errors.New("accounts: session data: unknown encoding")

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := make([]byte, 0, 96)
	b = append(b, codecVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(deadline.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case int64:
			b = append(b, tInt64)
			b = binary.AppendVarint(b, v)
		case []byte:
			b = append(b, tBytes)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case string:
			b = append(b, tString)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case bool:
			b = append(b, tBool)
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		default:
			return nil, errors.New("accounts: session data: a value of an unsupported type under " + k)
		}
	}
	return b, nil
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) < 9 || b[0] != codecVersion {
		return time.Time{}, nil, errCodec
	}
	deadline := time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))).UTC()
	b = b[9:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > 64 {
		return time.Time{}, nil, errCodec
	}
	b = b[k:]
	values := make(map[string]any, n)
	chunk := func() ([]byte, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, false
		}
		c := b[k : k+int(l)]
		b = b[k+int(l):]
		return c, true
	}
	for range n {
		key, ok := chunk()
		if !ok || len(b) == 0 {
			return time.Time{}, nil, errCodec
		}
		t := b[0]
		b = b[1:]
		switch t {
		case tInt64:
			v, k := binary.Varint(b)
			if k <= 0 {
				return time.Time{}, nil, errCodec
			}
			b = b[k:]
			values[string(key)] = v
		case tBytes, tString:
			c, ok := chunk()
			if !ok {
				return time.Time{}, nil, errCodec
			}
			if t == tBytes {
				values[string(key)] = append([]byte(nil), c...)
			} else {
				values[string(key)] = string(c)
			}
		case tBool:
			if len(b) == 0 {
				return time.Time{}, nil, errCodec
			}
			values[string(key)] = b[0] == 1
			b = b[1:]
		default:
			return time.Time{}, nil, errCodec
		}
	}
	if len(b) != 0 {
		return time.Time{}, nil, errCodec
	}
	return deadline, values, nil
}
