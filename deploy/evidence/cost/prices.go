package cost

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// PriceFileName is the committed price table, beside this package's code:
// deploy/evidence/cost/prices.json.
const PriceFileName = "prices.json"

// PriceList is the source that --refresh-prices reads, and the Source of
// every reading it writes.
const PriceList = "AWS Price List API GetProducts"

// FallbackRegion is the region whose reading is applied to a region that
// has none of its own yet. The readings taken from web pages are
// us-east-1 list prices; the Price List gives each region its own.
const FallbackRegion = "us-east-1"

// Everywhere keys a reading that applies in every region and that the
// Price List does not hold (the Fargate Spot discount).
const Everywhere = "*"

// Prices is the price table: what each price is, the AWS page that is its
// authority, and a reading per region.
type Prices struct {
	About string           `json:"about"`
	Items map[string]*Item `json:"prices"`
}

// Item is one price the estimate uses.
type Item struct {
	Unit string `json:"unit"`
	// Authority is AWS's pricing page for the item. Its figures are drawn
	// in the browser, so the kit reads them from the Price List API instead.
	Authority string              `json:"authority"`
	Regions   map[string]*Reading `json:"regions"`
}

// Reading is one price for one region, with where and when it was read.
type Reading struct {
	USD float64 `json:"usd"`
	// Source is a web page's address, or PriceList.
	Source string `json:"source"`
	// Date is when the source stated the price: the page's date, or the
	// price's effective date in the Price List.
	Date string `json:"date"`
	// Read is the day the reading was taken, when known.
	Read string `json:"read,omitempty"`
	// Derivation says how USD follows from what the source states, when
	// the source does not state it per unit.
	Derivation string `json:"derivation,omitempty"`

	// What a Price List reading asked and found.
	ServiceCode string   `json:"service_code,omitempty"`
	Filters     []Filter `json:"filters,omitempty"`
	UsageType   string   `json:"usagetype,omitempty"`
	SKU         string   `json:"sku,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Filter is one GetProducts filter, as sent.
type Filter struct {
	Type  string `json:"type"`
	Field string `json:"field"`
	Value string `json:"value"`
}

// LoadPrices reads the price table.
func LoadPrices(path string) (*Prices, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	var p Prices
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("price table %s: %w", path, err)
	}
	return &p, nil
}

// Save writes the price table; keys come out sorted, so a refresh that
// finds the same prices leaves the file as it was.
func (p *Prices) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Use is a reading as the estimate applied it to a region.
type Use struct {
	Key       string `json:"key"`
	Region    string `json:"region"`
	Unit      string `json:"unit"`
	Authority string `json:"authority"`
	// From is the region whose reading was applied: Region itself,
	// Everywhere, or FallbackRegion when Region has no reading yet.
	From string `json:"from"`
	Reading
}

// ErrNoPrice says the table lacks a price the estimate needs.
type ErrNoPrice struct{ Key, Region string }

func (e ErrNoPrice) Error() string {
	return fmt.Sprintf("the price table has no %s for %s (nor for %s): run bin/evidence cost --refresh-prices with AWS credentials", e.Key, e.Region, FallbackRegion)
}

// For returns key's price in region, falling back to FallbackRegion's
// reading, and says which one it applied.
func (p *Prices) For(key, region string) (Use, error) {
	it, ok := p.Items[key]
	if !ok {
		return Use{}, ErrNoPrice{key, region}
	}
	from := region
	r := it.Regions[region]
	for _, alt := range []string{Everywhere, FallbackRegion} {
		if r == nil {
			from, r = alt, it.Regions[alt]
		}
	}
	if r == nil || r.USD <= 0 {
		return Use{}, ErrNoPrice{key, region}
	}
	return Use{Key: key, Region: region, Unit: it.Unit, Authority: it.Authority, From: from, Reading: *r}, nil
}

// AllFromPriceList says whether every regional reading in uses came from
// the Price List for its own region; the documents say so, or say what is
// pending.
func AllFromPriceList(uses []Use) bool {
	for _, u := range uses {
		if u.From != Everywhere && (u.Source != PriceList || u.From != u.Region) {
			return false
		}
	}
	return len(uses) > 0
}

func sortUses(uses []Use) {
	sort.Slice(uses, func(i, j int) bool {
		if uses[i].Key != uses[j].Key {
			return uses[i].Key < uses[j].Key
		}
		return uses[i].Region < uses[j].Region
	})
}
