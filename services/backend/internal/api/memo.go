package api

import (
	"slices"
	"sync"

	"hyundai-poc.com/backend/internal/marketing"
)

// answerMemo keeps the last encoded answer per key beside the rows it was
// built from. The catalogue changes only by migration, so almost every
// request reads the same rows again: comparing them with the last ones
// costs a small fraction of turning them into JSON, which was the largest
// cost of GET /api/vehicles after the query itself. Every answer is still
// built from the rows the database returned for that request; a change
// of rows is encoded afresh and replaces the entry.
type answerMemo[T any] struct {
	equal func(a, b T) bool
	// Keys are markets, already checked against the few that exist, so
	// the map stays as small as the set of markets.
	entries sync.Map // string -> *memoEntry[T]
}

type memoEntry[T any] struct {
	from T
	body []byte
}

// body returns the answer for rows under key, encoding it with encode
// when the rows differ from the ones last seen.
func (m *answerMemo[T]) body(key string, rows T, encode func(T) ([]byte, error)) ([]byte, error) {
	if e, ok := m.entries.Load(key); ok {
		if e := e.(*memoEntry[T]); m.equal(e.from, rows) {
			return e.body, nil
		}
	}
	b, err := encode(rows)
	if err != nil {
		return nil, err
	}
	// Entries are never changed once stored; concurrent misses each store
	// a complete one and the last wins.
	m.entries.Store(key, &memoEntry[T]{from: rows, body: b})
	return b, nil
}

func vehiclesEqual(a, b []marketing.Vehicle) bool {
	return slices.EqualFunc(a, b, func(x, y marketing.Vehicle) bool {
		return x.ID == y.ID && x.Name == y.Name && x.ModelYear == y.ModelYear && x.BodyType == y.BodyType &&
			x.Powertrain == y.Powertrain && x.Seats == y.Seats && x.Summary == y.Summary && slices.Equal(x.Prices, y.Prices)
	})
}

func campaignsEqual(a, b []marketing.Campaign) bool { return slices.Equal(a, b) }
