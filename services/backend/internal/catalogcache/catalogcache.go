// Package catalogcache keeps a last-known-good copy of the catalogue
// (vehicles, prices, campaigns) in memory, so a region whose databases are
// all gone keeps serving it. The catalogue changes only by migration, so a
// copy taken from this backend's database is right until the next deploy;
// it is refreshed every interval anyway. Reads still go to the database
// first; the copy answers only when no database does, and says so.
package catalogcache

import (
	"context"
	"errors"
	"sync"
	"time"

	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

// Store wraps a marketing.Store: catalogue reads fall back to the copy,
// and vehicle checks (lead validation) use the copy once it is loaded, so
// taking a lead needs no live database.
type Store struct {
	marketing.Store
	markets []string
	now     func() time.Time

	mu        sync.RWMutex
	loadedAt  time.Time
	vehicles  []marketing.Vehicle
	byID      map[string]marketing.Vehicle
	campaigns map[string][]marketing.Campaign
}

// New wraps inner; markets are those whose campaigns are kept.
func New(inner marketing.Store, markets []string) *Store {
	return &Store{Store: inner, markets: markets, now: time.Now}
}

// Load copies the catalogue from the database. It replaces the copy only
// when every part was read, so the copy is never a mix of two loads.
func (s *Store) Load(ctx context.Context) error {
	vs, _, err := s.Store.Vehicles(ctx)
	if err != nil {
		return err
	}
	cs := map[string][]marketing.Campaign{}
	for _, m := range s.markets {
		c, _, err := s.Store.Campaigns(ctx, m)
		if err != nil {
			return err
		}
		cs[m] = c
	}
	byID := make(map[string]marketing.Vehicle, len(vs))
	for _, v := range vs {
		byID[v.ID] = v
	}
	s.mu.Lock()
	s.vehicles, s.byID, s.campaigns, s.loadedAt = vs, byID, cs, s.now()
	s.mu.Unlock()
	return nil
}

// Keep loads the copy now and every interval until ctx ends, retrying
// sooner while it has none.
func (s *Store) Keep(ctx context.Context, interval time.Duration) {
	for {
		wait := interval
		if err := s.Load(ctx); err != nil && !s.loaded() {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Age is how old the copy is; zero when there is none.
func (s *Store) Age() time.Duration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.loadedAt.IsZero() {
		return 0
	}
	return s.now().Sub(s.loadedAt)
}

func (s *Store) loaded() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return !s.loadedAt.IsZero()
}

// noDatabase says the error means no database answered, as opposed to an
// answer (not found, invalid) or the caller giving up.
func noDatabase(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var me *marketing.Error
	if errors.As(err, &me) {
		return me.Code == marketing.EUnavailable
	}
	return true
}

// Vehicles lists the catalogue, from the copy when no database answers.
func (s *Store) Vehicles(ctx context.Context) ([]marketing.Vehicle, contract.ReadSource, error) {
	vs, src, err := s.Store.Vehicles(ctx)
	if !noDatabase(ctx, err) {
		return vs, src, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.loadedAt.IsZero() {
		return vs, src, err
	}
	out := make([]marketing.Vehicle, len(s.vehicles))
	copy(out, s.vehicles)
	return out, contract.FromCache, nil
}

// Vehicle returns one vehicle, from the copy when no database answers.
func (s *Store) Vehicle(ctx context.Context, id string) (marketing.Vehicle, contract.ReadSource, error) {
	v, src, err := s.Store.Vehicle(ctx, id)
	if !noDatabase(ctx, err) {
		return v, src, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.loadedAt.IsZero() {
		return v, src, err
	}
	cached, ok := s.byID[id]
	if !ok {
		return marketing.Vehicle{}, contract.FromCache, marketing.Errorf(marketing.ENotFound, "no such vehicle")
	}
	return cached, contract.FromCache, nil
}

// Campaigns lists a market's campaigns, from the copy when no database
// answers.
func (s *Store) Campaigns(ctx context.Context, market string) ([]marketing.Campaign, contract.ReadSource, error) {
	cs, src, err := s.Store.Campaigns(ctx, market)
	if !noDatabase(ctx, err) {
		return cs, src, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cached, ok := s.campaigns[market]
	if s.loadedAt.IsZero() || !ok {
		return cs, src, err
	}
	return append([]marketing.Campaign(nil), cached...), contract.FromCache, nil
}

// VehicleExists answers from the copy once there is one: validating a lead
// must not need a live database.
func (s *Store) VehicleExists(ctx context.Context, id string) (bool, error) {
	s.mu.RLock()
	if !s.loadedAt.IsZero() {
		_, ok := s.byID[id]
		s.mu.RUnlock()
		return ok, nil
	}
	s.mu.RUnlock()
	return s.Store.VehicleExists(ctx, id)
}
