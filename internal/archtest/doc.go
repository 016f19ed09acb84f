// Package archtest holds no code, only tests that keep the architecture
// honest: which packages may import which, and that every package says what
// it owns in a doc comment.
package archtest
