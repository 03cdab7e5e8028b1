package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/marketing"
	"hyundai-poc.com/contract"
)

type leadRow struct {
	ID             string         `db:"id"`
	IdempotencyKey string         `db:"idempotency_key"`
	RequestHash    string         `db:"request_hash"`
	Kind           string         `db:"kind"`
	Name           string         `db:"name"`
	Email          string         `db:"email"`
	Phone          sql.NullString `db:"phone"`
	VehicleID      string         `db:"vehicle_id"`
	Market         string         `db:"market"`
	PreferredDate  sql.NullTime   `db:"preferred_date"`
	Message        sql.NullString `db:"message"`
	Consent        bool           `db:"consent"`
	Region         string         `db:"region"`
	CreatedAt      time.Time      `db:"created_at"`
}

const leadCols = "id, idempotency_key, request_hash, kind, name, email, phone, vehicle_id, market, preferred_date, message, consent, region, created_at"

func (r leadRow) lead() marketing.Lead {
	l := marketing.Lead{ID: r.ID, Type: r.Kind, Name: r.Name, Email: r.Email, Phone: r.Phone.String,
		VehicleID: r.VehicleID, Market: r.Market, Message: r.Message.String, Consent: r.Consent,
		Region: r.Region, CreatedAt: r.CreatedAt.UTC(), IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash}
	if r.PreferredDate.Valid {
		l.PreferredDate = r.PreferredDate.Time.Format("2006-01-02")
	}
	return l
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateLead stores l once per idempotency key. Before every retry it
// looks the key up on the writer first: an earlier attempt may have
// committed without an answer reaching us, and only the key can tell.
func (s *Store) CreateLead(ctx context.Context, l marketing.Lead) (marketing.Lead, bool, string, error) {
	var stored marketing.Lead
	var replayed bool
	tok, err := s.db.Write(ctx, "insert_lead", func(ctx context.Context, db *sqlx.DB, attempt int) error {
		if attempt > 0 {
			found, ok, err := leadByKey(ctx, db, l.IdempotencyKey)
			if err != nil {
				return err
			}
			if ok {
				stored, replayed = found, found.RequestHash != l.RequestHash || found.ID != l.ID
				return nil
			}
		}
		var pd sql.NullString
		if l.PreferredDate != "" {
			pd = sql.NullString{String: l.PreferredDate, Valid: true}
		}
		_, err := db.ExecContext(ctx, "INSERT INTO leads ("+leadCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			l.ID, l.IdempotencyKey, l.RequestHash, l.Type, l.Name, l.Email, nullable(l.Phone), l.VehicleID,
			l.Market, pd, nullable(l.Message), l.Consent, l.Region, l.CreatedAt)
		if datapath.IsDuplicateKey(err) {
			found, ok, lerr := leadByKey(ctx, db, l.IdempotencyKey)
			if lerr != nil {
				return lerr
			}
			if !ok {
				// The duplicate was the random id, not the key: astronomically
				// unlikely, and a new id next time fixes it.
				return errors.New("lead id collision")
			}
			stored, replayed = found, true
			return nil
		}
		if err != nil {
			return err
		}
		stored, replayed = l, false
		return nil
	})
	if err != nil {
		return marketing.Lead{}, false, "", wrap(err)
	}
	if replayed && stored.RequestHash != l.RequestHash {
		return marketing.Lead{}, false, "", &marketing.Error{Code: marketing.EConflict,
			Message: "this Idempotency-Key was already used with a different request"}
	}
	return stored, replayed, tok.String(), nil
}

// ApplyLeads writes leads the region's queue held, in the order given:
// one look-up of their keys, then one multi-row INSERT of those the writer
// lacks, which InnoDB applies as one transaction. A backlog thus crosses to
// a far writer in two round trips per batch rather than two per lead.
// Keys the writer has already are left alone (the same request: present;
// another request: a conflict), so repeating a batch, after an unknown
// outcome or from another drainer, stores each lead once. A concurrent
// write of one of the keys fails the INSERT as a whole; the look-up then
// runs again.
func (s *Store) ApplyLeads(ctx context.Context, ls []marketing.Lead) ([]marketing.LeadWrite, error) {
	out := make([]marketing.LeadWrite, len(ls))
	if len(ls) == 0 {
		return out, nil
	}
	keys := make([]string, len(ls))
	for i, l := range ls {
		keys[i] = l.IdempotencyKey
	}
	_, err := s.db.Write(ctx, "insert_leads", func(ctx context.Context, db *sqlx.DB, _ int) error {
		for try := 0; ; try++ {
			q, args, err := sqlx.In("SELECT idempotency_key, request_hash FROM leads WHERE idempotency_key IN (?)", keys)
			if err != nil {
				return err
			}
			var found []struct {
				Key  string `db:"idempotency_key"`
				Hash string `db:"request_hash"`
			}
			if err := db.SelectContext(ctx, &found, q, args...); err != nil {
				return err
			}
			have := make(map[string]string, len(found))
			for _, f := range found {
				have[f.Key] = f.Hash
			}
			var rows strings.Builder
			vals := make([]any, 0, 14*len(ls))
			for i, l := range ls {
				if h, ok := have[l.IdempotencyKey]; ok {
					out[i] = marketing.LeadPresent
					if h != l.RequestHash {
						out[i] = marketing.LeadConflict
					}
					continue
				}
				// A key twice in one batch is stored once.
				have[l.IdempotencyKey] = l.RequestHash
				out[i] = marketing.LeadInserted
				if rows.Len() > 0 {
					rows.WriteString(", ")
				}
				rows.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				var pd sql.NullString
				if l.PreferredDate != "" {
					pd = sql.NullString{String: l.PreferredDate, Valid: true}
				}
				vals = append(vals, l.ID, l.IdempotencyKey, l.RequestHash, l.Type, l.Name, l.Email, nullable(l.Phone), l.VehicleID,
					l.Market, pd, nullable(l.Message), l.Consent, l.Region, l.CreatedAt)
			}
			if len(vals) == 0 {
				return nil
			}
			_, err = db.ExecContext(ctx, "INSERT INTO leads ("+leadCols+") VALUES "+rows.String(), vals...)
			if datapath.IsDuplicateKey(err) && try < 3 {
				continue
			}
			return err
		}
	})
	if err != nil {
		return nil, wrap(err)
	}
	return out, nil
}

func leadByKey(ctx context.Context, db *sqlx.DB, key string) (marketing.Lead, bool, error) {
	var r leadRow
	err := db.GetContext(ctx, &r, "SELECT "+leadCols+" FROM leads WHERE idempotency_key = ?", key)
	if errors.Is(err, sql.ErrNoRows) {
		return marketing.Lead{}, false, nil
	}
	if err != nil {
		return marketing.Lead{}, false, err
	}
	return r.lead(), true, nil
}

// Lead reads a lead by id. With a consistency token the local reader
// answers only once it has the token's write; otherwise the writer does.
func (s *Store) Lead(ctx context.Context, id, token string) (marketing.Lead, contract.ReadSource, error) {
	var r leadRow
	read := func(ctx context.Context, db *sqlx.DB) error {
		return db.GetContext(ctx, &r, "SELECT "+leadCols+" FROM leads WHERE id = ?", id)
	}
	var src contract.ReadSource
	var err error
	if token != "" {
		tok, terr := datapath.ParseToken(token)
		if terr != nil {
			return marketing.Lead{}, "", &marketing.Error{Code: marketing.EBadRequest,
				Message: "X-Consistency-Token is not a token this service issued", Err: terr}
		}
		src, err = s.db.ReadAfter(ctx, tok, read)
		if errors.Is(err, datapath.ErrBadToken) {
			return marketing.Lead{}, "", marketing.Errorf(marketing.EBadRequest, "X-Consistency-Token is not a token this service issued")
		}
	} else {
		src, err = s.db.Read(ctx, read)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return marketing.Lead{}, src, &marketing.Error{Code: marketing.ENotFound, Message: "no such lead", Err: err}
	}
	if err != nil && token != "" && ctx.Err() == nil {
		// The token's write could not be waited for (no heartbeat gets
		// through while the writer is out of reach): a row the reader
		// has is that write all the same.
		if src, err2 := s.db.Read(ctx, read); err2 == nil {
			return r.lead(), src, nil
		}
	}
	if err != nil {
		// Neither the local reader nor the writer answered: another
		// region's reader may still have the lead.
		region, rerr := s.db.ReadRemote(ctx, read)
		if rerr == nil {
			l := r.lead()
			l.ReadRegion = region
			return l, contract.FromReader, nil
		}
		if errors.Is(rerr, sql.ErrNoRows) {
			return marketing.Lead{}, contract.FromReader, marketing.Errorf(marketing.ENotFound, "no such lead")
		}
		return marketing.Lead{}, src, wrap(err)
	}
	return r.lead(), src, nil
}

// LeadsElsewhere reports which of the keys' leads every reader outside the
// writer's region already has: those writes survive a failover to any of
// them, so the write queue may drop their journal entries. When one of
// those readers does not answer, nothing is reported.
func (s *Store) LeadsElsewhere(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	seen := map[string]int{}
	readers, err := s.db.ReadOutside(ctx, func(ctx context.Context, db *sqlx.DB) error {
		q, args, err := sqlx.In("SELECT idempotency_key FROM leads WHERE idempotency_key IN (?)", keys)
		if err != nil {
			return err
		}
		var found []string
		if err := db.SelectContext(ctx, &found, q, args...); err != nil {
			return err
		}
		for _, k := range found {
			seen[k]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, n := range seen {
		if n == len(readers) {
			out[k] = true
		}
	}
	return out, nil
}

// CreateHealthCheck records that this region's backend reached the
// writer, and which node took the write.
func (s *Store) CreateHealthCheck(ctx context.Context, h marketing.HealthCheck) (marketing.HealthCheck, bool, string, error) {
	var stored marketing.HealthCheck
	var replayed bool
	tok, err := s.db.Write(ctx, "insert_health_check", func(ctx context.Context, db *sqlx.DB, attempt int) error {
		if attempt > 0 {
			found, ok, err := healthCheckByKey(ctx, db, h.IdempotencyKey)
			if err != nil {
				return err
			}
			if ok {
				stored, replayed = found, true
				return nil
			}
		}
		// The writer names itself inside the statement, so the row records
		// the node that really committed it, not the one DNS pointed at.
		res, err := db.ExecContext(ctx, "INSERT INTO health_checks (idempotency_key, request_hash, region, writer_node, writer_region, created_at) "+
			"VALUES (?, ?, ?, COALESCE(NULLIF(@@report_host, ''), @@hostname), COALESCE(NULLIF(SUBSTRING_INDEX(@@report_host, '/', 1), ''), ?), ?)",
			h.IdempotencyKey, h.RequestHash, h.Region, s.db.Status().Writer.Region, h.CreatedAt)
		if datapath.IsDuplicateKey(err) {
			found, _, lerr := healthCheckByKey(ctx, db, h.IdempotencyKey)
			if lerr != nil {
				return lerr
			}
			stored, replayed = found, true
			return nil
		}
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		found, ok, err := healthCheckByID(ctx, db, id)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("health check vanished after insert")
		}
		stored, replayed = found, false
		return nil
	})
	if err != nil {
		return marketing.HealthCheck{}, false, "", wrap(err)
	}
	if replayed && stored.RequestHash != h.RequestHash {
		return marketing.HealthCheck{}, false, "", &marketing.Error{Code: marketing.EConflict,
			Message: "this Idempotency-Key was already used with a different request"}
	}
	return stored, replayed, tok.String(), nil
}

type healthCheckRow struct {
	ID             int64     `db:"id"`
	IdempotencyKey string    `db:"idempotency_key"`
	RequestHash    string    `db:"request_hash"`
	Region         string    `db:"region"`
	WriterNode     string    `db:"writer_node"`
	WriterRegion   string    `db:"writer_region"`
	CreatedAt      time.Time `db:"created_at"`
}

const healthCheckCols = "id, idempotency_key, request_hash, region, writer_node, writer_region, created_at"

func (r healthCheckRow) check() marketing.HealthCheck {
	return marketing.HealthCheck{ID: r.ID, Region: r.Region, WriterNode: r.WriterNode, WriterRegion: r.WriterRegion,
		CreatedAt: r.CreatedAt.UTC(), IdempotencyKey: r.IdempotencyKey, RequestHash: r.RequestHash}
}

func healthCheckByKey(ctx context.Context, db *sqlx.DB, key string) (marketing.HealthCheck, bool, error) {
	var r healthCheckRow
	err := db.GetContext(ctx, &r, "SELECT "+healthCheckCols+" FROM health_checks WHERE idempotency_key = ?", key)
	if errors.Is(err, sql.ErrNoRows) {
		return marketing.HealthCheck{}, false, nil
	}
	return r.check(), err == nil, err
}

func healthCheckByID(ctx context.Context, db *sqlx.DB, id int64) (marketing.HealthCheck, bool, error) {
	var r healthCheckRow
	err := db.GetContext(ctx, &r, "SELECT "+healthCheckCols+" FROM health_checks WHERE id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return marketing.HealthCheck{}, false, nil
	}
	return r.check(), err == nil, err
}
