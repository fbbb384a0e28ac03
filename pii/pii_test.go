package pii_test

import (
	"strings"
	"testing"

	"github.com/duban/duban/pii"
	"github.com/stretchr/testify/require"
)

func TestSealOpenHash(t *testing.T) {
	k := pii.Ephemeral()
	s := k.Seal("410122199001011234", "person/p1/id")
	require.NotContains(t, string(s), "410122199001011234")
	v, err := k.Open(s, "person/p1/id")
	require.NoError(t, err)
	require.Equal(t, "410122199001011234", v)
	_, err = k.Open(s, "person/p2/id") // sealed for another record
	require.Error(t, err)
	_, err = pii.Ephemeral().Open(s, "person/p1/id") // another key
	require.Error(t, err)
	require.Equal(t, k.Hash("id", "x"), k.Hash("id", "x"))
	require.NotEqual(t, k.Hash("id", "x"), pii.Ephemeral().Hash("id", "x"))
	_, err = pii.Parse("c2hvcnQ=")
	require.ErrorContains(t, err, "32 bytes")
	path := t.TempDir() + "/pii.key"
	a, err := pii.LoadOrCreate(path)
	require.NoError(t, err)
	b, err := pii.LoadOrCreate(path)
	require.NoError(t, err)
	require.Equal(t, a.Hash("id", "1"), b.Hash("id", "1"))
	require.False(t, strings.Contains(a.Hash("id", "1"), "1"+"\x00"))
}
