// Package auth hashes passwords and signs and verifies access tokens.
//
// Passwords are hashed with argon2id by a [Hasher], which bounds how many
// hashes run at once because each one holds tens of MiB of memory. Access
// tokens are JWTs signed by the active key of a [KeyRing] and checked by
// [Tokens].
package auth
