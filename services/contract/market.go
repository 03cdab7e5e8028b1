package contract

// Markets the site sells in.
const (
	MarketUS = "US"
	MarketKR = "KR"
)

// ValidMarket reports whether m is a market the site sells in.
func ValidMarket(m string) bool { return m == MarketUS || m == MarketKR }

// MarketFor is the market a region serves by default: Korea for the Seoul
// region, the United States everywhere else.
func MarketFor(region string) string {
	if region == "ap-northeast-2" {
		return MarketKR
	}
	return MarketUS
}
