// Package store keeps the marketing domain in MySQL-compatible databases
// through the data path: reads from the local reader, writes to the
// writer, every write idempotent by key.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

// Store implements marketing.Store.
type Store struct {
	db     *datapath.Databases
	region string
}

var _ marketing.Store = (*Store)(nil)

// New returns a Store over the cluster, for the backend in region.
func New(db *datapath.Databases, region string) *Store { return &Store{db: db, region: region} }

type vehicleRow struct {
	ID         string `db:"id"`
	Name       string `db:"name"`
	ModelYear  int    `db:"model_year"`
	BodyType   string `db:"body_type"`
	Powertrain string `db:"powertrain"`
	Seats      int    `db:"seats"`
	Summary    string `db:"summary"`
}

type priceRow struct {
	VehicleID string `db:"vehicle_id"`
	Market    string `db:"market"`
	Currency  string `db:"currency"`
	MSRP      int64  `db:"msrp"`
}

const vehicleCols = "id, name, model_year, body_type, powertrain, seats, summary"

// Vehicles lists the catalogue with every price.
func (s *Store) Vehicles(ctx context.Context) ([]marketing.Vehicle, contract.ReadSource, error) {
	var rows []vehicleRow
	var prices []priceRow
	// The catalogue is the most-read answer: its rows are scanned by hand,
	// as sqlx's reflection cost more CPU than the query itself. Both lists
	// start empty on every call, so a retry on the writer after the reader
	// failed half-way does not repeat rows.
	src, err := s.db.Read(ctx, func(ctx context.Context, db *sqlx.DB) error {
		var err error
		if rows, err = scanVehicles(ctx, db); err != nil {
			return err
		}
		prices, err = scanPrices(ctx, db)
		return err
	})
	if err != nil {
		return nil, src, wrap(err)
	}
	// Prices come ordered by vehicle, so each vehicle's are one run of a
	// single array: one allocation for all of them, not one per append.
	all := make([]marketing.Price, len(prices))
	byVehicle := make(map[string][]marketing.Price, len(rows))
	start := 0
	for i, p := range prices {
		all[i] = marketing.Price{Market: p.Market, Currency: p.Currency, MSRP: p.MSRP}
		if i+1 == len(prices) || prices[i+1].VehicleID != p.VehicleID {
			run := all[start : i+1 : i+1]
			// The database's collation decides the order; should it ever
			// split one id's run, the parts are joined, never replaced.
			if prev, ok := byVehicle[p.VehicleID]; ok {
				run = append(prev, run...)
			}
			byVehicle[p.VehicleID] = run
			start = i + 1
		}
	}
	out := make([]marketing.Vehicle, 0, len(rows))
	for _, r := range rows {
		out = append(out, toVehicle(r, byVehicle[r.ID]))
	}
	return out, src, nil
}

func scanVehicles(ctx context.Context, db *sqlx.DB) ([]vehicleRow, error) {
	rs, err := db.QueryContext(ctx, "SELECT "+vehicleCols+" FROM vehicles ORDER BY sort_order, id")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := make([]vehicleRow, 0, 16)
	for rs.Next() {
		var r vehicleRow
		if err := rs.Scan(&r.ID, &r.Name, &r.ModelYear, &r.BodyType, &r.Powertrain, &r.Seats, &r.Summary); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

func scanPrices(ctx context.Context, db *sqlx.DB) ([]priceRow, error) {
	rs, err := db.QueryContext(ctx, "SELECT vehicle_id, market, currency, msrp FROM vehicle_prices ORDER BY vehicle_id, market")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := make([]priceRow, 0, 32)
	for rs.Next() {
		var p priceRow
		if err := rs.Scan(&p.VehicleID, &p.Market, &p.Currency, &p.MSRP); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rs.Err()
}

// Vehicle returns one vehicle, or a not_found error.
func (s *Store) Vehicle(ctx context.Context, id string) (marketing.Vehicle, contract.ReadSource, error) {
	var row vehicleRow
	var prices []priceRow
	src, err := s.db.Read(ctx, func(ctx context.Context, db *sqlx.DB) error {
		if err := db.GetContext(ctx, &row, "SELECT "+vehicleCols+" FROM vehicles WHERE id = ?", id); err != nil {
			return err
		}
		return db.SelectContext(ctx, &prices, "SELECT vehicle_id, market, currency, msrp FROM vehicle_prices WHERE vehicle_id = ? ORDER BY market", id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return marketing.Vehicle{}, src, &marketing.Error{Code: marketing.ENotFound, Message: fmt.Sprintf("no vehicle %q", id), Err: err}
	}
	if err != nil {
		return marketing.Vehicle{}, src, wrap(err)
	}
	ps := make([]marketing.Price, 0, len(prices))
	for _, p := range prices {
		ps = append(ps, marketing.Price{Market: p.Market, Currency: p.Currency, MSRP: p.MSRP})
	}
	return toVehicle(row, ps), src, nil
}

// VehicleExists checks a lead's vehicle. The catalogue changes only by
// migration, so the local reader is a safe place to ask.
func (s *Store) VehicleExists(ctx context.Context, id string) (bool, error) {
	var n int
	_, err := s.db.Read(ctx, func(ctx context.Context, db *sqlx.DB) error {
		return db.GetContext(ctx, &n, "SELECT COUNT(*) FROM vehicles WHERE id = ?", id)
	})
	return n > 0, wrap(err)
}

func toVehicle(r vehicleRow, prices []marketing.Price) marketing.Vehicle {
	if prices == nil {
		prices = []marketing.Price{}
	}
	return marketing.Vehicle{ID: r.ID, Name: r.Name, ModelYear: r.ModelYear, BodyType: r.BodyType,
		Powertrain: r.Powertrain, Seats: r.Seats, Summary: r.Summary, Prices: prices}
}

// Campaigns lists a market's campaigns, most important first.
func (s *Store) Campaigns(ctx context.Context, market string) ([]marketing.Campaign, contract.ReadSource, error) {
	type row struct {
		ID        int64          `db:"id"`
		Market    string         `db:"market"`
		Slug      string         `db:"slug"`
		Title     string         `db:"title"`
		Body      string         `db:"body"`
		VehicleID sql.NullString `db:"vehicle_id"`
		StartsOn  time.Time      `db:"starts_on"`
		EndsOn    time.Time      `db:"ends_on"`
	}
	var rows []row
	src, err := s.db.Read(ctx, func(ctx context.Context, db *sqlx.DB) error {
		return db.SelectContext(ctx, &rows, "SELECT id, market, slug, title, body, vehicle_id, starts_on, ends_on "+
			"FROM campaigns WHERE market = ? ORDER BY priority DESC, id", market)
	})
	if err != nil {
		return nil, src, wrap(err)
	}
	out := make([]marketing.Campaign, 0, len(rows))
	for _, r := range rows {
		out = append(out, marketing.Campaign{ID: r.ID, Market: r.Market, Slug: r.Slug, Title: r.Title, Body: r.Body,
			VehicleID: r.VehicleID.String, StartsOn: r.StartsOn.Format("2006-01-02"), EndsOn: r.EndsOn.Format("2006-01-02")})
	}
	return out, src, nil
}

// wrap marks data-path failures as the domain's "unavailable", keeping
// the failure as the cause for the log.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var me *marketing.Error
	if errors.As(err, &me) {
		return err
	}
	if errors.Is(err, datapath.ErrUnavailable) || datapath.IsConnFailure(err) || datapath.IsWriterMoved(err) ||
		errors.Is(err, context.DeadlineExceeded) {
		return &marketing.Error{Code: marketing.EUnavailable, Message: "the database is not reachable right now; try again shortly", Err: err}
	}
	return err
}
