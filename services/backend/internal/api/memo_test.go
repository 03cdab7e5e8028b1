package api

import (
	"reflect"
	"testing"

	"hyundai-poc.com/backend/internal/marketing"
)

// A reused answer is only right if the comparison sees every field: this
// changes each field of a vehicle in turn, so a field added later without
// its comparison fails here instead of serving an old answer.
func TestVehiclesEqualSeesEveryField(t *testing.T) {
	base := func() []marketing.Vehicle {
		return []marketing.Vehicle{{ID: "ioniq-5", Name: "IONIQ 5", ModelYear: 2026, BodyType: "suv", Powertrain: "ev",
			Seats: 5, Summary: "s", Prices: []marketing.Price{{Market: "US", Currency: "USD", MSRP: 42000}}}}
	}
	if !vehiclesEqual(base(), base()) {
		t.Fatal("equal lists compare unequal")
	}
	typ := reflect.TypeOf(marketing.Vehicle{})
	for i := range typ.NumField() {
		t.Run(typ.Field(i).Name, func(t *testing.T) {
			changed := base()
			f := reflect.ValueOf(&changed[0]).Elem().Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(f.String() + "x")
			case reflect.Int:
				f.SetInt(f.Int() + 1)
			case reflect.Slice:
				changed[0].Prices[0].MSRP++
			default:
				t.Fatalf("field kind %s: teach this test (and vehiclesEqual) about it", f.Kind())
			}
			if vehiclesEqual(base(), changed) {
				t.Fatalf("a change of %s goes unseen", typ.Field(i).Name)
			}
		})
	}
	if vehiclesEqual(base(), append(base(), base()...)) {
		t.Fatal("lists of different lengths compare equal")
	}
}

func TestAnswerMemoEncodesOnlyChangedRows(t *testing.T) {
	m := answerMemo[[]marketing.Campaign]{equal: campaignsEqual}
	encodes := 0
	encode := func(cs []marketing.Campaign) ([]byte, error) {
		encodes++
		return encodeJSON(cs)
	}
	rows := []marketing.Campaign{{ID: 1, Market: "US", Title: "a"}}
	first, _ := m.body("US", rows, encode)
	again, _ := m.body("US", []marketing.Campaign{{ID: 1, Market: "US", Title: "a"}}, encode)
	if encodes != 1 || string(first) != string(again) {
		t.Fatalf("same rows: %d encodings, %q then %q", encodes, first, again)
	}
	changed, _ := m.body("US", []marketing.Campaign{{ID: 1, Market: "US", Title: "b"}}, encode)
	if encodes != 2 || string(changed) == string(first) {
		t.Fatalf("changed rows: %d encodings, %q", encodes, changed)
	}
	if _, _ = m.body("KR", rows, encode); encodes != 3 {
		t.Fatalf("another market shares an entry: %d encodings", encodes)
	}
}
