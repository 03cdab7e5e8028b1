// Package geo maps a client location to the region that serves it, from
// deploy/geo/locations.json: the same table Terraform turns into Route53
// geolocation records, so the lab's edge routes as Route53 would.
package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Table is the parsed locations file.
type Table struct {
	Default           string            `json:"default"`
	Continents        map[string]string `json:"continents"`
	Countries         map[string]string `json:"countries"`
	USStates          map[string]string `json:"us_states"`
	CountryContinents map[string]string `json:"country_continents"`
}

// Match says which record of the table answered, as Route53 picks the most
// specific one: US state, then country, then continent, then the default.
type Match struct {
	Location string // normalised: "KR", "US-CA", or "" for none
	Region   string
	Record   string // "us_state", "country", "continent" or "default"
}

// Load reads the table from path.
func Load(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read locations: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses and checks the table.
func Parse(b []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse locations: %w", err)
	}
	if t.Default == "" {
		return nil, errors.New("locations: no default region")
	}
	return &t, nil
}

// Regions lists every region the table can answer.
func (t *Table) Regions() map[string]bool {
	out := map[string]bool{t.Default: true}
	for _, m := range []map[string]string{t.Continents, t.Countries, t.USStates} {
		for _, r := range m {
			out[r] = true
		}
	}
	return out
}

var locRE = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// ErrBadLocation is returned for a location that is neither a country code
// nor a US-XX state code.
var ErrBadLocation = errors.New("location must be a country code (KR) or US-XX for a US state")

// Resolve maps loc ("KR", "us-ca", "US") to its region. An empty location
// gets the default record, as a query Route53 cannot place does.
func (t *Table) Resolve(loc string) (Match, error) {
	loc = strings.ToUpper(strings.TrimSpace(loc))
	if loc == "" {
		return Match{Region: t.Default, Record: "default"}, nil
	}
	if !locRE.MatchString(loc) {
		return Match{}, fmt.Errorf("%q: %w", loc, ErrBadLocation)
	}
	country, sub, _ := strings.Cut(loc, "-")
	m := Match{Location: loc}
	if country == "US" && sub != "" {
		if r, ok := t.USStates[sub]; ok {
			m.Region, m.Record = r, "us_state"
			return m, nil
		}
	}
	if r, ok := t.Countries[country]; ok {
		m.Region, m.Record = r, "country"
		return m, nil
	}
	if cont, ok := t.CountryContinents[country]; ok {
		if r, ok := t.Continents[cont]; ok {
			m.Region, m.Record = r, "continent"
			return m, nil
		}
	}
	m.Region, m.Record = t.Default, "default"
	return m, nil
}
