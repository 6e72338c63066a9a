//go:build !amd64 || purego

package vault

// pbkdf2SHA256 is PBKDF2-HMAC-SHA256.
func pbkdf2SHA256(password, salt []byte, iter, keyLen int) []byte {
	return pbkdf2HMAC(password, salt, iter, keyLen)
}
