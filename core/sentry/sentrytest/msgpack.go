package sentrytest

// MsgpackMap encodes a MessagePack map as sentry-native writes its event
// and breadcrumb files. kv alternates keys and values, each a string
// (written as a str8, at most 255 bytes) or a []byte written as it is (an
// already encoded value, such as another MsgpackMap); at most 15 pairs.
func MsgpackMap(kv ...any) []byte {
	b := []byte{0x80 | byte(len(kv)/2)}
	for _, v := range kv {
		switch v := v.(type) {
		case string:
			b = append(b, 0xd9, byte(len(v)))
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		}
	}
	return b
}
